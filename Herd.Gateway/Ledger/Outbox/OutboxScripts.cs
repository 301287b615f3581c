namespace Herd.Gateway.Ledger.Outbox;

/// <summary>The outbox's Lua scripts, atomic so that no request is ever both open and unrecorded.</summary>
internal static class OutboxScripts
{
    /// <summary>KEYS: open hash, outbox stream. ARGV: request id, entry JSON. Ends the request and queues its record.</summary>
    public const string Close = """
        redis.call('HDEL', KEYS[1], ARGV[1])
        return redis.call('XADD', KEYS[2], '*', 'record', ARGV[2])
        """;

    /// <summary>
    /// KEYS: open hash, outbox stream. ARGV: request id, entry JSON. Queues the record of an
    /// abandoned request only if it is still open: its gateway may have closed it meanwhile.
    /// </summary>
    public const string CloseAbandoned = """
        if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
          return false
        end
        return redis.call('XADD', KEYS[2], '*', 'record', ARGV[2])
        """;
}
