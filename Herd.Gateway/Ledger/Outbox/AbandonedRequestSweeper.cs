using Herd.Gateway.Configuration;
using Herd.Gateway.Queue;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Ledger.Outbox;

/// <summary>
/// Records the requests that a stopped gateway had admitted and never ended: each is closed as
/// <c>UNAVAILABLE</c>, so no accepted request goes unrecorded. A gateway counts as stopped once
/// its liveness key (kept by the lease keeper) has expired.
/// </summary>
public sealed partial class AbandonedRequestSweeper(
    UsageOutbox outbox,
    JobQueue queue,
    TimeProvider time,
    IOptions<LedgerOptions> options,
    IOptions<QueueOptions> queueOptions,
    IOptions<GatewayOptions> gatewayOptions,
    ILogger<AbandonedRequestSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.AbandonedSweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await SweepAsync().ConfigureAwait(false);
                }
                catch (RedisException exception)
                {
                    LogSweepFailed(exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Closes every open request of a gateway that is no longer alive.</summary>
    /// <returns>How many requests this sweep recorded.</returns>
    public async Task<int> SweepAsync()
    {
        var self = gatewayOptions.Value.GatewayId;
        // A gateway marks itself alive within its first lease period: give a young request that long.
        var youngest = time.GetUtcNow() - queueOptions.Value.LeaseDuration;
        var alive = new Dictionary<string, bool>(StringComparer.Ordinal) { [self] = true };
        var recorded = 0;
        await foreach (var open in outbox.OpenRequestsAsync().ConfigureAwait(false))
        {
            if (open.ReceivedAt > youngest)
            {
                continue;
            }

            if (!alive.TryGetValue(open.GatewayId, out var isAlive))
            {
                isAlive = await queue.IsGatewayAliveAsync(open.GatewayId).ConfigureAwait(false);
                alive[open.GatewayId] = isAlive;
            }

            if (!isAlive && await outbox.CloseAbandonedAsync(open, time.GetUtcNow()).ConfigureAwait(false))
            {
                recorded++;
            }
        }

        if (recorded > 0)
        {
            LogRecorded(recorded);
        }

        return recorded;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recorded {Count} requests left open by gateways that stopped, as UNAVAILABLE")]
    private partial void LogRecorded(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not look for requests left open by stopped gateways: Redis is unreachable")]
    private partial void LogSweepFailed(Exception exception);
}
