using StackExchange.Redis;

namespace Herd.Gateway.Nodes.Demand;

/// <summary>
/// Which gateway runs the demand policy: the one whose id a Redis key holds. The leader renews
/// its claim on every look at the herd; when it dies the claim runs out after
/// <see cref="DemandOptions.LeaderLease"/> and the next gateway to try takes it.
/// </summary>
public sealed class DemandLeadership(IConnectionMultiplexer redis, string keyPrefix, string gatewayId)
{
    // Renews our own claim, or takes a free one; never takes another gateway's live claim.
    private const string ClaimScript = """
        local holder = redis.call('GET', KEYS[1])
        if holder == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        if not holder and redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
          return 1
        end
        return 0
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    private readonly RedisKey _key = keyPrefix + "demand:leader";

    public string GatewayId => gatewayId;

    /// <summary>Claims or renews the lead for <paramref name="lease"/>; true when this gateway leads.</summary>
    public async Task<bool> ClaimAsync(TimeSpan lease)
    {
        var result = await redis.GetDatabase().ScriptEvaluateAsync(ClaimScript, [_key], [gatewayId, (long)lease.TotalMilliseconds]).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>Gives the lead up at once (a stopping gateway), when this gateway holds it.</summary>
    public Task ReleaseAsync() => redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [_key], [gatewayId]);

    /// <summary>The gateway that leads now; null when none does.</summary>
    public async Task<string?> LeaderAsync() => await redis.GetDatabase().StringGetAsync(_key).ConfigureAwait(false) is { HasValue: true } holder ? (string)holder! : null;
}
