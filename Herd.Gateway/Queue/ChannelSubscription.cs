using Herd.Gateway.Resilience;
using StackExchange.Redis;

namespace Herd.Gateway.Queue;

/// <summary>
/// A Redis channel the gateway listens on while it runs. It subscribes in the background and
/// keeps trying while Redis is unreachable, so the gateway starts (and answers UNAVAILABLE)
/// instead of failing; messages sent meanwhile are missed, as pub/sub does.
/// </summary>
internal sealed partial class ChannelSubscription : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisChannel _channel;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _subscribing;

    private ChannelSubscription(IConnectionMultiplexer redis, RedisChannel channel, Action<RedisValue> onMessage, ILogger logger)
    {
        (_redis, _channel, _logger) = (redis, channel, logger);
        _subscribing = SubscribeAsync(onMessage, _stopping.Token);
    }

    /// <param name="onMessage">called in order on one thread for each message: hand long work off it</param>
    public static ChannelSubscription Start(IConnectionMultiplexer redis, RedisChannel channel, Action<RedisValue> onMessage, ILogger logger) =>
        new(redis, channel, onMessage, logger);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _subscribing.ConfigureAwait(false);
            await _redis.GetSubscriber().UnsubscribeAsync(_channel).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or RedisException)
        {
            // Stopping: not subscribed, or Redis is gone.
        }

        _stopping.Dispose();
    }

    private async Task SubscribeAsync(Action<RedisValue> onMessage, CancellationToken stopping)
    {
        var untilReachable = UntilReachable.Retry(RetryDelay, failure => failure is RedisException, (failure, _, _) => LogSubscribeFailed(_channel.ToString(), failure));
        await untilReachable.ExecuteAsync(
            async _ => await _redis.GetSubscriber().SubscribeAsync(_channel, (_, message) => onMessage(message)).ConfigureAwait(false),
            stopping).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to Redis channel {Channel}; retrying")]
    private partial void LogSubscribeFailed(string channel, Exception exception);
}
