namespace Herd.AppHost.Hosting;

/// <summary>A .NET project of this repository that the app host runs as a process.</summary>
/// <param name="Name">The resource name (<c>gateway</c>, <c>node</c>): used in logs, telemetry and service discovery.</param>
/// <param name="ProjectPath">The project file, as recorded at build time.</param>
public sealed record ProjectResource(string Name, string ProjectPath)
{
    public List<ResourceEndpoint> Endpoints { get; } = [];

    /// <summary>Resources whose endpoints this one is told about (<c>services__name__endpoint__0</c>).</summary>
    public List<ProjectResource> References { get; } = [];

    /// <summary>Environment variables set for this resource only.</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>The built assembly, next to the project file in the same configuration as the app host.</summary>
    public string AssemblyPath(string configuration)
    {
        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(ProjectPath))!;
        var projectName = Path.GetFileNameWithoutExtension(ProjectPath);
        return Path.Combine(projectDirectory, "bin", configuration, "net10.0", projectName + ".dll");
    }
}
