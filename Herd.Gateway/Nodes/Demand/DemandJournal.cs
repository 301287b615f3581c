using Google.Protobuf;
using Herd.Contracts.V1;
using StackExchange.Redis;

namespace Herd.Gateway.Nodes.Demand;

/// <summary>
/// The demand policy's memory in Redis, shared by whichever gateway leads: its latest decisions
/// (for the Nodes tab and <c>Catalog/ListNodes</c>) and when it last switched each node, so a new
/// leader keeps to <see cref="DemandOptions.MinTimeBetweenSwitches"/>.
/// </summary>
public sealed class DemandJournal(IConnectionMultiplexer redis, string keyPrefix)
{
    /// <summary>How many decisions are kept.</summary>
    public const int Kept = 100;

    private readonly RedisKey _decisions = keyPrefix + "demand:decisions";
    private readonly RedisKey _switched = keyPrefix + "demand:switched";

    public async Task RecordAsync(DemandDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var database = redis.GetDatabase();
        await database.ListLeftPushAsync(_decisions, decision.ToByteArray()).ConfigureAwait(false);
        await database.ListTrimAsync(_decisions, 0, Kept - 1).ConfigureAwait(false);
    }

    /// <summary>The newest <paramref name="count"/> decisions, newest first.</summary>
    public async Task<IReadOnlyList<DemandDecision>> LatestAsync(int count)
    {
        var entries = await redis.GetDatabase().ListRangeAsync(_decisions, 0, count - 1).ConfigureAwait(false);
        var decisions = new List<DemandDecision>();
        foreach (var entry in entries)
        {
            try
            {
                decisions.Add(DemandDecision.Parser.ParseFrom((byte[])entry!));
            }
            catch (InvalidProtocolBufferException)
            {
                // Written by a build that no longer parses: skipped, and trimmed away in time.
            }
        }

        return decisions;
    }

    public Task MarkSwitchedAsync(string nodeId, DateTimeOffset at) =>
        redis.GetDatabase().HashSetAsync(_switched, nodeId, at.ToUnixTimeMilliseconds());

    /// <summary>When each node was last switched by the policy.</summary>
    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> LastSwitchedAsync() =>
        (await redis.GetDatabase().HashGetAllAsync(_switched).ConfigureAwait(false))
            .ToDictionary(entry => (string)entry.Name!, entry => DateTimeOffset.FromUnixTimeMilliseconds((long)entry.Value), StringComparer.Ordinal);
}
