using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herd.AppHost.Lifecycle;

/// <summary>
/// Stops the herd in the reverse order of its <c>WaitFor</c>s before Aspire tears it down: nodes
/// first (they drain, streaming their last tokens through the gateways), then the gateways (they
/// finish their streams and flush usage to Redis), then Redis and PostgreSQL. Each instance gets
/// SIGTERM and time to exit; Aspire alone would stop them all at once.
/// </summary>
internal sealed partial class OrderedShutdown(
    DistributedApplicationModel model,
    IServiceProvider services,
    ResourceInstances instances,
    ILogger<OrderedShutdown> logger) : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        foreach (var stage in StopOrder.Stages(model.Resources))
        {
            var running = stage.SelectMany(instances.Running).ToList();
            await Task.WhenAll(running.Select(async instance =>
            {
                var started = Stopwatch.GetTimestamp();
                var byItself = await ResourceProcesses.StopGracefullyAsync(services, instance, cancellationToken);
                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                LogStopped(instance.ResourceId, seconds, byItself ? string.Empty : " (forced)");
            }));
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped {Resource} in {Seconds:0.0} s{How}")]
    private partial void LogStopped(string resource, double seconds, string how);
}
