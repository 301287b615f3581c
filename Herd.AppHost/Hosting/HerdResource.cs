namespace Herd.AppHost.Hosting;

/// <summary>
/// A resource of the app model: a project, a server, a database on a server, an existing server's
/// connection string, or a parameter. Named as Aspire names resources: the name is used in logs,
/// telemetry, service discovery and the published manifests.
/// </summary>
/// <param name="Name">The resource name (<c>gateway</c>, <c>node</c>, <c>redis</c>): lowercase letters, digits and '-'.</param>
/// <param name="Kind">What the resource is.</param>
public sealed record HerdResource(string Name, ResourceKind Kind)
{
    /// <summary>The project file, as recorded at build time; only for <see cref="ResourceKind.Project"/>.</summary>
    public string ProjectPath { get; init; } = string.Empty;

    public List<ResourceEndpoint> Endpoints { get; } = [];

    /// <summary>Resources whose endpoints or connection strings this one is told about.</summary>
    public List<HerdResource> References { get; } = [];

    /// <summary>Environment variables for the process, beyond those the references give.</summary>
    public Dictionary<string, EnvironmentValue> Environment { get; } = [];

    /// <summary>How many processes (local) or pods (published) run this resource; 0 declares it without running it.</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>The server a <see cref="ResourceKind.Database"/> lives on.</summary>
    public HerdResource? Parent { get; init; }

    /// <summary>The database's name on its server, for a <see cref="ResourceKind.Database"/>.</summary>
    public string? DatabaseName { get; init; }

    /// <summary>Whether the value must be kept secret (a <see cref="ResourceKind.Parameter"/>, or an existing server's connection string).</summary>
    public bool IsSecret { get; init; }

    /// <summary>The program to run for a server resource, made when it starts.</summary>
    public Func<(string Executable, IReadOnlyList<string> Arguments)>? CommandLine { get; init; }

    /// <summary>What a referencing resource gets as <c>ConnectionStrings__&lt;Name&gt;</c> when the herd runs here, once ports are known.</summary>
    public Func<string>? ConnectionString { get; init; }

    /// <summary>
    /// A published <see cref="ResourceKind.Postgres"/> server's superuser password: the app host's
    /// <c>Parameters:&lt;name&gt;-password</c>, or a random one per publish. Locally the server keeps its own.
    /// </summary>
    public Func<string>? PublishedPassword { get; init; }

    /// <summary>The value of a <see cref="ResourceKind.Parameter"/> when the herd runs here.</summary>
    public Func<string>? Value { get; init; }

    /// <summary>Whether the app host runs processes for this resource.</summary>
    public bool RunsProcess => Kind is ResourceKind.Project or ResourceKind.Redis or ResourceKind.Postgres;

    /// <summary>Whether a referencing resource gets a connection string (rather than service endpoints).</summary>
    public bool HasConnectionString => Kind is ResourceKind.Redis or ResourceKind.Postgres or ResourceKind.Database or ResourceKind.ConnectionString;

    /// <summary>The endpoint of that name.</summary>
    /// <exception cref="InvalidOperationException">The resource declares no such endpoint.</exception>
    public ResourceEndpoint Endpoint(string name) =>
        Endpoints.SingleOrDefault(endpoint => string.Equals(endpoint.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidOperationException($"The {Name} resource has no endpoint named {name}.");

    /// <summary>The name of one replica's process: the resource name, or <c>name-N</c> when there are several.</summary>
    public string ReplicaName(int replica) => Replicas == 1 ? Name : $"{Name}-{replica}";

    /// <summary>The built assembly, next to the project file in the same configuration as the app host.</summary>
    public string AssemblyPath(string configuration)
    {
        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(ProjectPath))!;
        var projectName = Path.GetFileNameWithoutExtension(ProjectPath);
        return Path.Combine(projectDirectory, "bin", configuration, "net10.0", projectName + ".dll");
    }
}
