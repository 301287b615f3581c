using System.Globalization;
using Herd.AppHost.Hosting;
using k8s.Models;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The environment of a project's container, the way <see cref="ManifestExpressions"/> maps it for
/// the manifest: literals as values, parameters and connection strings as references to keys of
/// the Secrets, references to other projects as their Service's URL, and what only makes sense on
/// this machine left out. Kestrel's endpoints are set explicitly, so the objects do not depend on
/// what an image sets by default.
/// </summary>
public static class KubernetesEnvironment
{
    /// <summary>Every environment variable of a project's container, in a stable order.</summary>
    public static List<V1EnvVar> Of(HerdResource project, AppHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(options);
        var environment = new List<V1EnvVar> { Value("OTEL_SERVICE_NAME", project.Name) };
        if (options.OtlpEndpoint is { Length: > 0 } otlp)
        {
            environment.Add(Value("OTEL_EXPORTER_OTLP_ENDPOINT", otlp));
        }

        foreach (var endpoint in project.Endpoints.Where(endpoint => endpoint.IsHttp))
        {
            environment.Add(Value($"Kestrel__Endpoints__{endpoint.Name}__Url", string.Create(CultureInfo.InvariantCulture, $"http://+:{endpoint.TargetPort}")));
            environment.Add(Value($"Kestrel__Endpoints__{endpoint.Name}__Protocols", endpoint.Protocols));
        }

        foreach (var (name, value) in project.Environment)
        {
            if (Variable(name, value) is { } variable)
            {
                environment.Add(variable);
            }
        }

        foreach (var reference in project.References)
        {
            if (reference.HasConnectionString)
            {
                environment.Add(KubernetesSecrets.FromSecret($"ConnectionStrings__{reference.Name}", KubernetesSecrets.ConnectionStrings, reference.Name));
                continue;
            }

            foreach (var endpoint in reference.Endpoints)
            {
                environment.Add(Value($"services__{reference.Name}__{endpoint.Key}__0", ServiceUrl(reference, endpoint)));
            }
        }

        return environment;
    }

    /// <summary>The URL of a project's endpoint through its Service (<c>http://gateway:8080</c>).</summary>
    public static string ServiceUrl(HerdResource project, ResourceEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(endpoint);
        return string.Create(CultureInfo.InvariantCulture, $"{(endpoint.IsHttp ? "http" : "tcp")}://{project.Name}:{endpoint.TargetPort}");
    }

    private static V1EnvVar? Variable(string name, EnvironmentValue value) => value switch
    {
        EnvironmentValue.Literal literal => Value(name, literal.Value),
        EnvironmentValue.ParameterReference parameter => KubernetesSecrets.FromSecret(
            name, KubernetesSecrets.ParameterSecretName(parameter.Parameter), KubernetesSecrets.ParameterKey(parameter.Parameter)),
        EnvironmentValue.MountedFolder folder => Value(name, folder.MountPath),
        _ => null,
    };

    private static V1EnvVar Value(string name, string value) => new() { Name = name, Value = value };
}
