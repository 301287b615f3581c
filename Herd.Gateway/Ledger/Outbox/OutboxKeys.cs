using StackExchange.Redis;

namespace Herd.Gateway.Ledger.Outbox;

/// <summary>The names of the outbox's Redis keys, under the herd's key prefix.</summary>
internal sealed class OutboxKeys(string prefix)
{
    /// <summary>The consumer group of the gateways' ledger writers.</summary>
    public const string WritersGroup = "ledger-writers";

    /// <summary>The field of a stream entry that holds the record's JSON.</summary>
    public const string RecordField = "record";

    /// <summary>Hash of the requests admitted and not yet ended: request id to <see cref="OpenRequest"/> JSON.</summary>
    public RedisKey Open { get; } = prefix + "ledger:open";

    /// <summary>Stream of ended requests waiting for the ledger (<see cref="OutboxEntry"/> JSON).</summary>
    public RedisKey Stream { get; } = prefix + "ledger:outbox";

    /// <summary>Stream of entries the ledger refused for good, kept for an operator to look at.</summary>
    public RedisKey DeadLetters { get; } = prefix + "ledger:dead";
}
