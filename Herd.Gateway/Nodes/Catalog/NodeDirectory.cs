using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Herd.Contracts.V1;
using StackExchange.Redis;

namespace Herd.Gateway.Nodes.Catalog;

/// <summary>
/// Every linked node of the herd, whichever gateway replica it is linked to, kept in one Redis
/// hash. Each gateway republishes its own nodes on every heartbeat; a node whose entry has not
/// been refreshed for a while is shown as stale, and later forgotten.
/// </summary>
public sealed class NodeDirectory(IConnectionMultiplexer redis, string keyPrefix, TimeProvider time)
{
    private readonly RedisKey _key = (keyPrefix ?? string.Empty) + "nodes";

    /// <summary>Records a node as it is now; its last heartbeat is set to the present.</summary>
    public Task PublishAsync(NodeSummary node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var entry = node.Clone();
        entry.LastHeartbeat = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        return redis.GetDatabase().HashSetAsync(_key, entry.NodeId, entry.ToByteArray());
    }

    public Task RemoveAsync(string nodeId)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        return redis.GetDatabase().HashDeleteAsync(_key, nodeId);
    }

    /// <param name="staleAfter">no refresh for this long shows a node as <see cref="NodeHealth.Stale"/></param>
    /// <param name="forgetAfter">no refresh for this long removes it</param>
    public async Task<IReadOnlyList<NodeSummary>> ListAsync(TimeSpan staleAfter, TimeSpan forgetAfter)
    {
        var database = redis.GetDatabase();
        var now = time.GetUtcNow();
        var nodes = new List<NodeSummary>();
        foreach (var entry in await database.HashGetAllAsync(_key).ConfigureAwait(false))
        {
            NodeSummary node;
            try
            {
                node = NodeSummary.Parser.ParseFrom((byte[])entry.Value!);
            }
            catch (InvalidProtocolBufferException)
            {
                await database.HashDeleteAsync(_key, entry.Name).ConfigureAwait(false);
                continue;
            }

            var silence = now - node.LastHeartbeat.ToDateTimeOffset();
            if (silence > forgetAfter)
            {
                await database.HashDeleteAsync(_key, entry.Name).ConfigureAwait(false);
                continue;
            }

            if (silence > staleAfter)
            {
                node.Health = NodeHealth.Stale;
            }

            nodes.Add(node);
        }

        return [.. nodes.OrderBy(node => node.NodeId, StringComparer.Ordinal)];
    }

    /// <summary>Each model that a ready or draining node serves, with its capacity and queue.</summary>
    public static IReadOnlyList<ModelSummary> Models(IEnumerable<NodeSummary> nodes, IReadOnlyDictionary<string, long> queued)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(queued);
        return [.. nodes
            .Where(node => node.Health is NodeHealth.Ready or NodeHealth.Draining)
            .SelectMany(node => node.Models.Select(model => (Node: node, Model: model)))
            .GroupBy(served => served.Model.Name, StringComparer.Ordinal)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => new ModelSummary
            {
                Name = group.Key,
                Nodes = group.Count(),
                TotalSlots = group.Sum(served => served.Node.Slots),
                // A draining node takes nothing new, so none of its slots are free.
                FreeSlots = group.Where(served => served.Node.Health == NodeHealth.Ready).Sum(served => Math.Max(0, served.Node.Slots - served.Node.SlotsInUse)),
                ContextLength = group.Max(served => served.Model.ContextLength),
                Queued = queued.GetValueOrDefault(group.Key),
            })];
    }
}
