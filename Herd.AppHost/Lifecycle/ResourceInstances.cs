using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;

namespace Herd.AppHost.Lifecycle;

/// <summary>The latest state of every instance (replica) of every resource, as DCP reports them.</summary>
internal sealed class ResourceInstances(ResourceNotificationService notifications) : BackgroundService
{
    private readonly ConcurrentDictionary<string, ResourceEvent> _latest = new(StringComparer.Ordinal);

    /// <summary>The instances of <paramref name="resource"/> that run now.</summary>
    public IReadOnlyList<ResourceEvent> Running(IResource resource) =>
        [.. _latest.Values.Where(instance => ReferenceEquals(instance.Resource, resource) && instance.Snapshot.State?.Text == KnownResourceStates.Running)];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var update in notifications.WatchAsync(stoppingToken))
            {
                _latest[update.ResourceId] = update;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The app host is stopping.
        }
    }
}
