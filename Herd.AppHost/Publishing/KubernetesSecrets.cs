using Herd.AppHost.Hosting;
using k8s.Models;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The Secrets of a published herd and the references to their keys. Values are made once per
/// publish: parameters and the PostgreSQL password take the app host's configured value
/// (<c>Parameters:node-secret</c>, <c>Parameters:postgres-password</c>) or a random one, and connection strings name the in-cluster Services or, for a server
/// that runs elsewhere, are the configured connection string.
/// </summary>
public sealed class KubernetesSecrets
{
    /// <summary>The Secret with one key per connection string a project is given (<c>redis</c>, <c>ledger</c>).</summary>
    public const string ConnectionStrings = "herd-connection-strings";

    /// <summary>The key of the PostgreSQL password in <c>&lt;server&gt;-password</c>.</summary>
    public const string PasswordKey = "POSTGRES_PASSWORD";

    private readonly List<V1Secret> _secrets = [];
    private readonly Dictionary<string, string> _connectionStrings = new(StringComparer.Ordinal);

    public KubernetesSecrets(AppModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var passwords = model.Resources
            .Where(resource => resource.Kind == ResourceKind.Postgres)
            .ToDictionary(server => server.Name, server => server.PublishedPassword!());
        foreach (var resource in model.Resources)
        {
            switch (resource.Kind)
            {
                case ResourceKind.Parameter:
                    _secrets.Add(Secret(ParameterSecretName(resource), resource.Name, ParameterKey(resource), resource.Value!()));
                    break;
                case ResourceKind.Postgres:
                    _secrets.Add(Secret(PasswordSecretName(resource), resource.Name, PasswordKey, passwords[resource.Name]));
                    break;
                default:
                    break;
            }
        }

        foreach (var referenced in model.Resources.SelectMany(resource => resource.References).Where(reference => reference.HasConnectionString).Distinct())
        {
            _connectionStrings[referenced.Name] = ConnectionString(referenced, passwords);
        }

        if (_connectionStrings.Count > 0)
        {
            _secrets.Add(Secret(ConnectionStrings, "herd", _connectionStrings));
        }
    }

    /// <summary>Every Secret, in a stable order.</summary>
    public IReadOnlyList<V1Secret> All => _secrets;

    /// <summary>The Secret of a parameter (<c>herd-node-secret</c>).</summary>
    public static string ParameterSecretName(HerdResource parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return "herd-" + parameter.Name;
    }

    /// <summary>
    /// The key of a parameter's value: the environment variable it is known by
    /// (<c>node-secret</c> is <c>HERD_NODE_SECRET</c>), so the Secret also reads well with <c>envFrom</c>.
    /// </summary>
    public static string ParameterKey(HerdResource parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return "HERD_" + parameter.Name.ToUpperInvariant().Replace('-', '_');
    }

    /// <summary>The Secret of a PostgreSQL server's superuser password (<c>postgres-password</c>).</summary>
    public static string PasswordSecretName(HerdResource server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return server.Name + "-password";
    }

    /// <summary>An environment variable read from a key of a Secret.</summary>
    public static V1EnvVar FromSecret(string variable, string secret, string key) => new()
    {
        Name = variable,
        ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = key } },
    };

    private static string ConnectionString(HerdResource resource, Dictionary<string, string> passwords) => resource.Kind switch
    {
        ResourceKind.Redis => $"{resource.Name}:{KubernetesServers.Port(resource)}",
        ResourceKind.Postgres => PostgresConnectionString(resource, passwords),
        ResourceKind.Database => PostgresConnectionString(resource.Parent!, passwords) + ";Database=" + resource.DatabaseName,
        ResourceKind.ConnectionString => resource.ConnectionString!(),
        _ => throw new InvalidOperationException($"{resource.Name} is a {resource.Kind}, which has no connection string."),
    };

    private static string PostgresConnectionString(HerdResource server, Dictionary<string, string> passwords) =>
        $"Host={server.Name};Port={KubernetesServers.Port(server)};Username={KubernetesServers.PostgresUser};Password={passwords[server.Name]}";

    private static V1Secret Secret(string name, string resource, string key, string value) =>
        Secret(name, resource, new Dictionary<string, string> { [key] = value });

    private static V1Secret Secret(string name, string resource, IDictionary<string, string> values) => new()
    {
        ApiVersion = "v1",
        Kind = V1Secret.KubeKind,
        Metadata = KubernetesLabels.Metadata(name, resource, "secret"),
        Type = "Opaque",
        StringData = new Dictionary<string, string>(values, StringComparer.Ordinal),
    };
}
