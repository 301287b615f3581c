using System.Globalization;
using System.Net.Sockets;
using System.Reflection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herd.AppHost.Hosting;

/// <summary>
/// Starts the app model's resources in order, each once its predecessor answers <c>/alive</c>,
/// restarts one that exits while the herd runs (waiting longer after each crash in a row), and
/// stops them in reverse order when the app host stops.
/// </summary>
internal sealed partial class AppModelRunner(AppModel model, ILogger<AppModelRunner> logger) : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(20);

    // Projects run in the configuration the app host itself was built in.
    internal static readonly string Configuration =
        typeof(AppModelRunner).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    private static readonly TimeSpan WatchPeriod = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan FirstRestartDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestRestartDelay = TimeSpan.FromSeconds(30);

    // A resource that has run this long since its last start is well again: its next crash restarts at once.
    private static readonly TimeSpan HealthyAfter = TimeSpan.FromMinutes(1);

    private readonly List<ProjectProcess> _running = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task _supervision = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        AssignPorts();
        try
        {
            foreach (var resource in model.Resources.Where(resource => resource.RunsProcess))
            {
                for (var replica = 0; replica < resource.Replicas; replica++)
                {
                    var process = StartReplica(resource, replica);
                    _running.Add(process);
                    await WaitUntilAliveAsync(process, cancellationToken);
                }
            }
        }
        catch
        {
            await StopAsync(CancellationToken.None);
            throw;
        }

        var table = new ResourceTable(_running);
        LogHerdUp(table);
        _supervision = SuperviseAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _supervision;
        for (var i = _running.Count - 1; i >= 0; i--)
        {
            var process = _running[i];
            await process.StopAsync(StopGrace);
            LogStopped(process.Name);
            await process.DisposeAsync();
        }

        _running.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }

    /// <summary>Restarts each resource that exits while the herd runs, after a delay that doubles with each crash in a row.</summary>
    private async Task SuperviseAsync(CancellationToken stopping)
    {
        var crashes = new int[_running.Count];
        var started = Enumerable.Repeat(DateTime.UtcNow, _running.Count).ToArray();
        try
        {
            while (true)
            {
                await Task.Delay(WatchPeriod, stopping);
                for (var i = 0; i < _running.Count; i++)
                {
                    var process = _running[i];
                    if (!process.HasExited)
                    {
                        continue;
                    }

                    crashes[i] = DateTime.UtcNow - started[i] > HealthyAfter ? 1 : crashes[i] + 1;
                    var delay = RestartDelay(crashes[i]);
                    LogExited(process.Name, process.ExitCode, delay);
                    await Task.Delay(delay, stopping);
                    await process.DisposeAsync();
                    var restarted = StartReplica(process.Resource, process.Replica);
                    _running[i] = restarted;
                    started[i] = DateTime.UtcNow;
                    LogRestarted(restarted.Name, restarted.Id);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The herd is stopping: StopAsync takes over.
        }
    }

    private static TimeSpan RestartDelay(int crashesInARow)
    {
        var delay = FirstRestartDelay * Math.Pow(2, Math.Min(crashesInARow - 1, 10));
        return delay < LongestRestartDelay ? delay : LongestRestartDelay;
    }

    private void AssignPorts()
    {
        foreach (var resource in model.Resources)
        {
            foreach (var endpoint in resource.Endpoints)
            {
                endpoint.Ports.Clear();
                endpoint.Ports.AddRange(Enumerable.Range(0, resource.Replicas).Select(_ => FreePorts.Next()));
            }
        }
    }

    private ProjectProcess StartReplica(HerdResource resource, int replica)
    {
        var environment = LocalEnvironment.For(resource, replica, model);
        if (resource.Kind == ResourceKind.Project)
        {
            var assembly = BuiltAssembly(resource);
            return ProjectProcess.Start(resource, replica, "dotnet", [assembly], Path.GetDirectoryName(assembly), environment, Console.Out);
        }

        var (executable, arguments) = resource.CommandLine!();
        return ProjectProcess.Start(resource, replica, executable, arguments, workingDirectory: null, environment, Console.Out);
    }

    private static string BuiltAssembly(HerdResource resource)
    {
        var assembly = resource.AssemblyPath(Configuration);
        return File.Exists(assembly)
            ? assembly
            : throw new FileNotFoundException(
                $"The {resource.Name} resource's project is not built ({assembly} is missing). Run: dotnet build Herd.sln -c {Configuration}");
    }

    private static async Task WaitUntilAliveAsync(ProjectProcess process, CancellationToken cancellationToken)
    {
        if (process.Resource.Endpoints.FirstOrDefault(endpoint => !endpoint.IsHttp) is { } tcp)
        {
            await WaitUntilListeningAsync(process, tcp.Ports[process.Replica], cancellationToken);
            return;
        }

        var http = process.Resource.Endpoints.FirstOrDefault(endpoint => endpoint.Protocols == "Http1");
        if (http is null)
        {
            return;
        }

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var alive = new Uri(http.UrlOf(process.Replica) + "/alive");
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited with code {process.ExitCode} while starting; its log is above.");
            }

            try
            {
                using var response = await client.GetAsync(alive, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The attempt timed out; try again until the deadline.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{process.Name} did not answer {alive} within {StartTimeout}.");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private static async Task WaitUntilListeningAsync(ProjectProcess process, int port, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited with code {process.ExitCode} while starting; its log is above.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Herd is up. Press Ctrl-C to stop.\n{Resources}")]
    private partial void LogHerdUp(ResourceTable resources);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped {Resource}")]
    private partial void LogStopped(string resource);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} exited with code {ExitCode}; restarting it in {Delay}")]
    private partial void LogExited(string resource, int exitCode, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restarted {Resource} (process {ProcessId})")]
    private partial void LogRestarted(string resource, int processId);
}
