using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herd.AppHost.Lifecycle;

/// <summary>
/// Starts again an instance of a project or server that exits with an error code while the herd
/// runs (a crashed node comes back), after 1 s, then twice as long with each crash in a row, at
/// most 30 s; a minute of running resets the count. One stopped on purpose (Aspire's Stop, Drain,
/// shutdown) stays stopped.
/// </summary>
internal sealed partial class CrashRestarter(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    IHostApplicationLifetime lifetime,
    ILogger<CrashRestarter> logger) : BackgroundService
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan HealthyAfter = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, InstanceHistory> _instances = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        try
        {
            await foreach (var update in notifications.WatchAsync(stopping.Token))
            {
                if (update.Resource is ProjectResource or ExecutableResource)
                {
                    Observe(update, stopping.Token);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The herd is stopping: nothing comes back now.
        }
    }

    private void Observe(ResourceEvent update, CancellationToken stopping)
    {
        var history = _instances.TryGetValue(update.ResourceId, out var known) ? known : _instances[update.ResourceId] = new InstanceHistory();
        var state = update.Snapshot.State?.Text;
        var previous = history.State;
        history.State = state;
        if (state == KnownResourceStates.Running && previous != KnownResourceStates.Running)
        {
            history.RunningSince = DateTime.UtcNow;
            return;
        }

        // Aspire's Stop and Drain pass through Stopping, or end with exit code 0; a crash does neither.
        var crashed = previous == KnownResourceStates.Running
            && ResourceProcesses.HasEnded(update)
            && update.Snapshot.ExitCode is { } exitCode and not 0;
        if (!crashed || stopping.IsCancellationRequested)
        {
            return;
        }

        history.Crashes = DateTime.UtcNow - history.RunningSince > HealthyAfter ? 1 : history.Crashes + 1;
        var delay = Delay(history.Crashes);
        LogCrashed(update.ResourceId, update.Snapshot.ExitCode!.Value, delay);
        _ = RestartAsync(update.ResourceId, delay, stopping);
    }

    private async Task RestartAsync(string instance, TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, stopping);
            var result = await commands.ExecuteCommandAsync(instance, KnownResourceCommands.StartCommand, stopping);
            if (result.Success)
            {
                LogRestarted(instance);
            }
            else
            {
                LogRestartFailed(instance, result.Message ?? "no reason given");
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping meanwhile.
        }
    }

    private static TimeSpan Delay(int crashesInARow)
    {
        var delay = FirstDelay * Math.Pow(2, Math.Min(crashesInARow - 1, 10));
        return delay < LongestDelay ? delay : LongestDelay;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} exited with code {ExitCode}; restarting it in {Delay}")]
    private partial void LogCrashed(string resource, int exitCode, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restarted {Resource}")]
    private partial void LogRestarted(string resource);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not restart {Resource}: {Reason}")]
    private partial void LogRestartFailed(string resource, string reason);

    private sealed class InstanceHistory
    {
        public string? State { get; set; }

        public DateTime RunningSince { get; set; } = DateTime.UtcNow;

        public int Crashes { get; set; }
    }
}
