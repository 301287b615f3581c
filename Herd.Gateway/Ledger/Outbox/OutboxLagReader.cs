using Herd.Gateway.Telemetry;
using StackExchange.Redis;

namespace Herd.Gateway.Ledger.Outbox;

/// <summary>
/// Reads how many usage records wait in the outbox every <see cref="Interval"/> for the
/// <c>herd.gateway.ledger.outbox.lag</c> gauge, so that the gauge never calls Redis itself.
/// </summary>
public sealed partial class OutboxLagReader(UsageOutbox outbox, GatewayTelemetry telemetry, ILogger<OutboxLagReader> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            await ReadAsync().ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One read of the lag into the gauge; an unreadable lag is reported as none rather than a stale number.</summary>
    public async Task ReadAsync()
    {
        try
        {
            telemetry.SetOutboxLag(await outbox.UnacknowledgedAsync().ConfigureAwait(false));
        }
        catch (RedisException exception)
        {
            telemetry.SetOutboxLag(null);
            LogReadFailed(exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not read the outbox's lag for the metrics")]
    private partial void LogReadFailed(Exception exception);
}
