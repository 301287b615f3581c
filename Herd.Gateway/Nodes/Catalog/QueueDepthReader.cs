using Herd.Gateway.Queue;
using Herd.Gateway.Telemetry;
using StackExchange.Redis;

namespace Herd.Gateway.Nodes.Catalog;

/// <summary>
/// Reads the queue's depth by model and priority every <see cref="Interval"/> for the
/// <c>herd.gateway.queue.depth</c> gauge, so that the gauge never calls Redis itself. The models
/// are those the herd's nodes serve.
/// </summary>
public sealed partial class QueueDepthReader(JobQueue queue, ModelCatalog catalog, GatewayTelemetry telemetry, ILogger<QueueDepthReader> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly HashSet<(string Model, int Priority)> _seen = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await ReadAsync().ConfigureAwait(false);
            }
            catch (RedisException exception)
            {
                LogReadFailed(exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One read of every served model's depth into the gauge.</summary>
    public async Task ReadAsync()
    {
        var nodes = await catalog.NodesAsync().ConfigureAwait(false);
        var models = nodes.SelectMany(node => node.Models.Select(model => model.Name)).Distinct(StringComparer.Ordinal).ToList();
        var depths = new Dictionary<(string Model, int Priority), long>();
        foreach (var model in models)
        {
            // An empty queue reads 0 rather than nothing, at the default priority and at every
            // priority that had jobs before, so a chart shows the queue draining to empty.
            depths[(model, 0)] = 0;
            foreach (var jobs in await queue.WaitingAsync(model).ConfigureAwait(false))
            {
                depths[(model, jobs.Priority)] = jobs.Count;
            }
        }

        foreach (var seen in _seen.Where(seen => models.Contains(seen.Model)))
        {
            depths.TryAdd(seen, 0);
        }

        _seen.UnionWith(depths.Keys);
        telemetry.SetQueueDepths(depths.Select(depth => (depth.Key.Model, depth.Key.Priority, depth.Value)));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not read the queue's depth for the metrics; keeping the last reading")]
    private partial void LogReadFailed(Exception exception);
}
