using System.Diagnostics;
using System.Globalization;

namespace Herd.AppHost.Hosting;

/// <summary>One running replica of a resource: its process, with every output line relayed under the resource's name.</summary>
internal sealed class ProjectProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ProjectProcess(HerdResource resource, int replica, Process process)
    {
        Resource = resource;
        Replica = replica;
        _process = process;
    }

    public HerdResource Resource { get; }

    public int Replica { get; }

    /// <summary>The replica's name in logs and the resource table.</summary>
    public string Name => Resource.ReplicaName(Replica);

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <param name="resource">the resource this process is a replica of</param>
    /// <param name="replica">which replica, from 0</param>
    /// <param name="executable">the program: <c>dotnet</c> for a project</param>
    /// <param name="arguments">its arguments: the built assembly for a project</param>
    /// <param name="workingDirectory">a project reads its appsettings.json from its content root, the folder it runs in</param>
    /// <param name="environment">variables added to the app host's own environment</param>
    /// <param name="console">where output lines go, prefixed with the replica's name</param>
    public static ProjectProcess Start(
        HerdResource resource, int replica, string executable, IReadOnlyList<string> arguments, string? workingDirectory,
        IReadOnlyDictionary<string, string> environment, TextWriter console)
    {
        ArgumentNullException.ThrowIfNull(resource);
        // A terminal's Ctrl-C reaches every process of its foreground group at once, and Redis or
        // PostgreSQL would quit before the gateways and nodes that use them. In a session of their
        // own, the resources hear only the app host, which stops them in order. setsid execs the
        // program in place, so the process id stays the one the app host signals.
        var startInfo = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
            ArgumentList = { executable },
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var prefix = string.Create(CultureInfo.InvariantCulture, $"{resource.ReplicaName(replica),-8}| ");
        process.OutputDataReceived += (_, e) => Relay(console, prefix, e.Data);
        process.ErrorDataReceived += (_, e) => Relay(console, prefix, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ProjectProcess(resource, replica, process);
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
