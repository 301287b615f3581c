using StackExchange.Redis;

namespace Herd.Gateway.Queue;

/// <summary>
/// The names of one herd's keys. The scripts build job and queue keys from the same prefix, so
/// this layout and theirs must change together.
/// </summary>
internal sealed class QueueKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    /// <summary>Sorted set of assigned jobs, scored by lease expiry (server microseconds).</summary>
    public RedisKey Leases { get; } = prefix + "leases";

    /// <summary>The last arrival stamp given out, so that stamps only grow.</summary>
    public RedisKey Clock { get; } = prefix + "clock";

    public RedisChannel Notify { get; } = RedisChannel.Literal(prefix + "queue:notify");

    /// <summary>Hash of one job: model, priority, owner, payload, enqueued, score, state, queue, node, server, started.</summary>
    public RedisKey Job(string jobId) => Prefix + "job:" + jobId;

    /// <summary>The jobs assigned to a node, whichever gateway assigned them (a set of job ids).</summary>
    public RedisKey NodeJobs(string nodeId) => Prefix + "node-jobs:" + nodeId;

    /// <summary>
    /// Sorted set of one model's waiting jobs that may run on the same node groups, lowest score
    /// first. Jobs for any group share the model's plain queue. Each queue is listed, with its
    /// group patterns, in the model's hash <c>queues:&lt;model&gt;</c>.
    /// </summary>
    public RedisKey Queue(string model, string groups = NodeGroupPatterns.Any) =>
        groups == NodeGroupPatterns.Any ? Prefix + "queue:" + model : Prefix + "queue:" + model + "#groups:" + groups;

    /// <summary>Exists while the gateway is alive; it expires unless refreshed.</summary>
    public RedisKey Gateway(string gatewayId) => Prefix + "gateway:" + gatewayId;
}
