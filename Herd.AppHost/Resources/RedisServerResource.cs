namespace Herd.AppHost.Resources;

/// <summary>
/// Redis from this machine's <c>redis-server</c>, run by DCP as an executable where there is no
/// container engine. It gives the connection string Aspire's own <see cref="RedisResource"/>
/// gives (<c>host:port,password=…</c>), so the services cannot tell the two apart.
/// </summary>
/// <param name="name">The resource name (<c>redis</c>).</param>
/// <param name="dataFolder">Where Redis keeps its append-only file: the queue outlives a restart.</param>
/// <param name="password">The password clients must give (<c>redis-password</c>).</param>
public sealed class RedisServerResource(string name, string dataFolder, ParameterResource password)
    : ExecutableResource(name, "redis-server", dataFolder), IResourceWithConnectionString
{
    /// <summary>The endpoint clients connect to, named as Aspire names Redis's.</summary>
    public const string PrimaryEndpointName = "tcp";

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    public ParameterResource PasswordParameter { get; } = password;

    public string DataFolder { get; } = dataFolder;

    /// <summary>The configuration file that holds the password, written before each start (mode 0600).</summary>
    public string PasswordFile => Path.Combine(DataFolder, "password.conf");

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={PasswordParameter}");

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties() =>
    [
        new("Host", ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Host)}")),
        new("Port", ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Port)}")),
        new("Password", ReferenceExpression.Create($"{PasswordParameter}")),
    ];
}
