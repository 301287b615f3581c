using System.Diagnostics;
using System.Globalization;

namespace Herd.AppHost.Hosting;

/// <summary>One running project: its process, with every output line relayed under the resource's name.</summary>
internal sealed class ProjectProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ProjectProcess(ProjectResource resource, Process process)
    {
        Resource = resource;
        _process = process;
    }

    public ProjectResource Resource { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <param name="assemblyPath">the project's built assembly; null for an executable resource</param>
    public static ProjectProcess Start(ProjectResource resource, string? assemblyPath, IReadOnlyDictionary<string, string> environment, TextWriter console)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var startInfo = new ProcessStartInfo(resource.Executable ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (resource.Executable is null)
        {
            // The project reads its appsettings.json from its content root, the folder it runs in.
            startInfo.WorkingDirectory = Path.GetDirectoryName(assemblyPath);
            startInfo.ArgumentList.Add(assemblyPath!);
        }
        else
        {
            foreach (var argument in resource.Arguments?.Invoke() ?? [])
            {
                startInfo.ArgumentList.Add(argument);
            }
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var prefix = string.Create(CultureInfo.InvariantCulture, $"{resource.Name,-8}| ");
        process.OutputDataReceived += (_, e) => Relay(console, prefix, e.Data);
        process.ErrorDataReceived += (_, e) => Relay(console, prefix, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ProjectProcess(resource, process);
    }

    /// <summary>Asks the process to stop (SIGTERM, so it can finish its work) and kills it after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited || !Posix.TrySignal(_process.Id, Posix.SigTerm))
        {
            return;
        }

        using var deadline = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
    }

    private static void Relay(TextWriter console, string prefix, string? line)
    {
        if (line is not null)
        {
            console.WriteLine(prefix + line);
        }
    }
}
