using Herd.Gateway.Health;
using StackExchange.Redis;

namespace Herd.Gateway.Queue;

/// <summary>Ready only while Redis answers a PING: the gateway keeps its queue, relay and limits there.</summary>
public sealed class RedisHealthCheck(IConnectionMultiplexer redis, TimeProvider time) : CachedHealthCheck(time)
{
    public const string Name = "redis";

    protected override string Dependency => "Redis";

    protected override async Task PingAsync(CancellationToken cancellationToken)
    {
        // Without a connection a PING would wait in the client's backlog; say so at once instead.
        if (!redis.IsConnected)
        {
            throw new RedisException("the gateway has no connection to it");
        }

        await redis.GetDatabase().PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override bool IsUnreachable(Exception exception) => exception is RedisException;
}
