using System.Globalization;
using Herd.AppHost.Hosting;
using k8s.Models;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The environment of a project's container (<see cref="PublishedEnvironment"/>) in Kubernetes'
/// terms: literals as values, parameters and connection strings as references to keys of the
/// Secrets, references to other projects as their Service's URL. Kestrel's endpoints are set
/// explicitly, so the objects do not depend on what an image sets by default.
/// </summary>
public static class KubernetesEnvironment
{
    /// <summary>Every environment variable of a project's container, in a stable order.</summary>
    public static List<V1EnvVar> Of(HerdResource project, AppHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return [.. PublishedEnvironment.Of(project, options.OtlpEndpoint).Select(variable => Variable(variable.Name, variable.Value))];
    }

    /// <summary>The URL of a project's endpoint through its Service (<c>http://gateway:8080</c>).</summary>
    public static string ServiceUrl(HerdResource project, ResourceEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(endpoint);
        return string.Create(CultureInfo.InvariantCulture, $"{(endpoint.IsHttp ? "http" : "tcp")}://{project.Name}:{endpoint.TargetPort}");
    }

    private static V1EnvVar Variable(string name, PublishedValue value) => value switch
    {
        PublishedValue.Text text => Value(name, text.Value),
        PublishedValue.ListenUrl listen => Value(name, string.Create(CultureInfo.InvariantCulture, $"http://+:{listen.Endpoint.TargetPort}")),
        PublishedValue.Parameter parameter => KubernetesSecrets.FromSecret(
            name, KubernetesSecrets.ParameterSecretName(parameter.Resource), KubernetesSecrets.ParameterKey(parameter.Resource)),
        PublishedValue.ConnectionString connection => KubernetesSecrets.FromSecret(name, KubernetesSecrets.ConnectionStrings, connection.Resource.Name),
        PublishedValue.EndpointUrl url => Value(name, ServiceUrl(url.Resource, url.Endpoint)),
        _ => throw new InvalidOperationException($"Kubernetes has no value for {value}."),
    };

    private static V1EnvVar Value(string name, string value) => new() { Name = name, Value = value };
}
