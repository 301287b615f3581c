using k8s.Models;

namespace Herd.AppHost.Publishing;

/// <summary>
/// A Secret per secret parameter the published containers read (<c>node-secret</c>,
/// <c>postgres-password</c>, <c>redis-password</c>; a connection string given to the app host is a
/// parameter too), named like the parameter, its value under the key <c>value</c>. The value is the
/// app host's <c>Parameters:&lt;name&gt;</c> (<c>ConnectionStrings:&lt;name&gt;</c> for a connection
/// string) when configured, otherwise one made up for this publish by the parameter's default.
/// </summary>
internal sealed class KubernetesSecrets
{
    /// <summary>The key of the value in each Secret.</summary>
    public const string Key = "value";

    private readonly SortedDictionary<string, ParameterResource> _parameters = new(StringComparer.Ordinal);

    /// <summary>The Secret of a parameter.</summary>
    public static string SecretName(ParameterResource parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return parameter.Name.ToLowerInvariant();
    }

    /// <summary>An environment variable that reads the parameter's Secret; the Secret is published with the objects.</summary>
    public V1EnvVar Reference(string variable, ParameterResource parameter)
    {
        _parameters.TryAdd(SecretName(parameter), parameter);
        return new V1EnvVar
        {
            Name = variable,
            ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = SecretName(parameter), Key = Key } },
        };
    }

    /// <summary>The Secrets of every parameter referenced so far, by name.</summary>
    public async Task<IReadOnlyList<object>> ObjectsAsync(CancellationToken cancellationToken)
    {
        var secrets = new List<object>();
        foreach (var (name, parameter) in _parameters)
        {
            secrets.Add(new V1Secret
            {
                ApiVersion = "v1",
                Kind = V1Secret.KubeKind,
                Metadata = KubernetesLabels.Metadata(name, name, "secret"),
                Type = "Opaque",
                StringData = new Dictionary<string, string> { [Key] = await parameter.GetValueAsync(cancellationToken) ?? string.Empty },
            });
        }

        return secrets;
    }
}
