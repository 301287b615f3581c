using System.Threading.Channels;
using StackExchange.Redis;

namespace Herd.Gateway.Queue;

/// <summary>
/// The models that received jobs, as every gateway announces them; a dispatcher reads
/// <see cref="Models"/> to wake up instead of polling. Dispose to unsubscribe.
/// </summary>
public sealed class QueueNotifications : IAsyncDisposable
{
    // A dispatcher that falls behind only needs to know which models have work, not every job.
    private const int Capacity = 1024;

    private readonly ISubscriber _subscriber;
    private readonly RedisChannel _channel;
    private readonly Action<RedisChannel, RedisValue> _handler;
    private readonly Channel<string> _models = Channel.CreateBounded<string>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private QueueNotifications(ISubscriber subscriber, RedisChannel channel)
    {
        _subscriber = subscriber;
        _channel = channel;
        _handler = OnMessage;
    }

    /// <summary>One model name per enqueued or requeued job.</summary>
    public ChannelReader<string> Models => _models.Reader;

    internal static async Task<QueueNotifications> SubscribeAsync(ISubscriber subscriber, RedisChannel channel)
    {
        var notifications = new QueueNotifications(subscriber, channel);
        await subscriber.SubscribeAsync(channel, notifications._handler);
        return notifications;
    }

    public async ValueTask DisposeAsync()
    {
        await _subscriber.UnsubscribeAsync(_channel, _handler);
        _models.Writer.TryComplete();
    }

    private void OnMessage(RedisChannel channel, RedisValue message)
    {
        if (!message.IsNullOrEmpty)
        {
            _models.Writer.TryWrite(message.ToString());
        }
    }
}
