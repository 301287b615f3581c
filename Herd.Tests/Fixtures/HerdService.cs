using System.Diagnostics;
using System.Reflection;

namespace Herd.Tests.Fixtures;

/// <summary>Starts a Herd service (gateway, node, app host) as a real process from its own build output.</summary>
internal static class HerdService
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private static readonly string Configuration =
        typeof(HerdService).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <param name="project">the project's name, such as <c>Herd.Gateway</c></param>
    /// <param name="arguments">its command line</param>
    /// <param name="environment">variables added to the test's own environment</param>
    /// <param name="ownSession">
    /// run it in a session (and process group) of its own, as a shell runs a command: signalling
    /// the group (<see cref="Posix.Signal"/> with the negated id) then acts as Ctrl-C in a terminal
    /// </param>
    /// <param name="assemblyName">the assembly's name where it is not the project's (Herd.Cli builds <c>herd</c>)</param>
    public static ChildProcess Start(
        string project, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, bool ownSession = false, string? assemblyName = null)
    {
        var assembly = BuildOutput(project, assemblyName ?? project);
        var startInfo = new ProcessStartInfo(ownSession ? "setsid" : "dotnet")
        {
            // The service reads its appsettings.json from its content root, the folder it runs in.
            WorkingDirectory = Path.GetDirectoryName(assembly),
        };
        if (ownSession)
        {
            startInfo.ArgumentList.Add("dotnet");
        }

        startInfo.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        return ChildProcess.Start(project, startInfo);
    }

    /// <summary>Waits for ASP.NET Core's own "Application started" line.</summary>
    public static Task WaitUntilStartedAsync(this ChildProcess service) =>
        service.WaitForOutputAsync(output => output.Contains("Application started", StringComparison.Ordinal), StartTimeout);

    private static string BuildOutput(string project, string assemblyName)
    {
        var root = RepositoryRoot();
        var framework = Path.GetFileName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var assembly = Path.Combine(root, project, "bin", Configuration, framework, assemblyName + ".dll");
        return File.Exists(assembly)
            ? assembly
            : throw new FileNotFoundException($"{project} is not built for {Configuration} (looked for {assembly}). Build Herd.sln first.");
    }

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Herd.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Herd.sln above {AppContext.BaseDirectory}.");
    }
}
