namespace Herd.AppHost.Resources;

/// <summary>
/// PostgreSQL from this machine's installation, run by DCP as an executable where there is no
/// container engine (see <see cref="PostgresInstance"/> for its files and user). It gives the
/// connection string Aspire's own PostgreSQL server resource gives
/// (<c>Host=…;Port=…;Username=…;Password=…</c>); its databases append <c>;Database=…</c>.
/// </summary>
public sealed class PostgresServerResource(string name, PostgresInstance instance, ParameterResource password)
    : ExecutableResource(name, instance.ServerCommand().Executable, instance.Folder), IResourceWithConnectionString
{
    /// <summary>The endpoint clients connect to, named as Aspire names PostgreSQL's.</summary>
    public const string PrimaryEndpointName = "tcp";

    private readonly Dictionary<string, string> _databases = new(StringComparer.OrdinalIgnoreCase);

    public PostgresInstance Instance { get; } = instance;

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    /// <summary>The superuser's password: the one kept beside the data folder.</summary>
    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>The databases to create once the server answers: resource name to database name.</summary>
    public IReadOnlyDictionary<string, string> Databases => _databases;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={PostgresInstance.Superuser};Password={PasswordParameter}");

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties() =>
    [
        new("Host", ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Host)}")),
        new("Port", ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Port)}")),
        new("Username", ReferenceExpression.Create($"{PostgresInstance.Superuser}")),
        new("Password", ReferenceExpression.Create($"{PasswordParameter}")),
    ];

    internal void AddDatabase(string resourceName, string databaseName) => _databases.TryAdd(resourceName, databaseName);
}
