namespace Herd.AppHost.Hosting;

/// <summary>
/// A process the app host runs: a .NET project of this repository, or an executable from the
/// machine (such as <c>redis-server</c>) when <see cref="Executable"/> is set.
/// </summary>
/// <param name="Name">The resource name (<c>gateway</c>, <c>node</c>, <c>redis</c>): used in logs, telemetry and service discovery.</param>
/// <param name="ProjectPath">The project file, as recorded at build time; empty for an executable.</param>
public sealed record ProjectResource(string Name, string ProjectPath)
{
    public List<ResourceEndpoint> Endpoints { get; } = [];

    /// <summary>Resources whose endpoints or connection strings this one is told about.</summary>
    public List<ProjectResource> References { get; } = [];

    /// <summary>Extra environment variables for the process.</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>Environment variables whose values are made when the process starts, once every endpoint has its port.</summary>
    public Dictionary<string, Func<string>> LateEnvironment { get; } = [];

    /// <summary>The program to run instead of a project.</summary>
    public string? Executable { get; init; }

    /// <summary>The executable's arguments, made once its endpoints have ports.</summary>
    public Func<IReadOnlyList<string>>? Arguments { get; init; }

    /// <summary>What a referencing resource gets as <c>ConnectionStrings__&lt;Name&gt;</c>, once ports are known.</summary>
    public Func<string>? ConnectionString { get; init; }

    /// <summary>The built assembly, next to the project file in the same configuration as the app host.</summary>
    public string AssemblyPath(string configuration)
    {
        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(ProjectPath))!;
        var projectName = Path.GetFileNameWithoutExtension(ProjectPath);
        return Path.Combine(projectDirectory, "bin", configuration, "net10.0", projectName + ".dll");
    }
}
