using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Queue;

/// <summary>
/// The herd's job queue in Redis: one priority queue per model, leases on assigned jobs, and the
/// liveness of the gateways that own the jobs' clients. Every gateway shares it; all state lives
/// in Redis, so a gateway or a Redis restart (with append-only persistence) loses nothing.
/// </summary>
/// <remarks>
/// A job's score is its arrival (server microseconds) less its priority times
/// <see cref="QueueOptions.AgingPerPriorityLevel"/>; the lowest score pops first. So a higher
/// priority goes first, equal priorities go in arrival order, and a job that has waited longer
/// than the aging for each level between them passes a newer job of higher priority.
/// </remarks>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is the herd's job queue, the domain's own word; not a collection type.")]
public sealed class JobQueue
{
    private readonly IDatabase _database;
    private readonly ISubscriber _subscriber;
    private readonly QueueOptions _options;
    private readonly QueueKeys _keys;
    private readonly long _agingMicroseconds;
    private readonly long _leaseMicroseconds;

    public JobQueue(IConnectionMultiplexer redis, IOptions<QueueOptions> options)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        Validator.ValidateObject(_options, new ValidationContext(_options), validateAllProperties: true);
        _database = redis.GetDatabase();
        _subscriber = redis.GetSubscriber();
        _keys = new QueueKeys(_options.KeyPrefix);
        _agingMicroseconds = ToMicroseconds(_options.AgingPerPriorityLevel);
        _leaseMicroseconds = ToMicroseconds(_options.LeaseDuration);
    }

    public QueueOptions Options => _options;

    /// <summary>
    /// Adds a job to its model's queue unless the queue is full, and wakes every gateway's
    /// dispatcher. The owner must keep its liveness fresh (<see cref="RefreshGatewayAsync"/>):
    /// jobs of a gateway that is gone are dropped when they reach the head.
    /// </summary>
    /// <exception cref="InvalidOperationException">A job with the same id is in the queue already.</exception>
    public async Task<EnqueueResult> EnqueueAsync(QueuedJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        job.Validate();
        var groups = NodeGroupPatterns.Canonical(job.NodeGroups);
        var result = await _database.ScriptEvaluateAsync(
            QueueScripts.Enqueue,
            [_keys.Job(job.JobId), _keys.Queue(job.Model, groups), _keys.Clock],
            [.. JobArguments(job, groups), .. Tickets(job)]);
        return EnqueueReply(job, (RedisResult[])result!);
    }

    /// <summary>The enqueue scripts' first arguments: the job and the queue's settings.</summary>
    private RedisValue[] JobArguments(QueuedJob job, string groups) =>
    [
        job.JobId, job.Model, job.Priority, job.OwnerGatewayId, job.Payload,
        _agingMicroseconds, _options.MaxDepthPerModel, _keys.Notify.ToString(), _keys.Prefix, groups, job.TraceContext ?? string.Empty,
    ];

    /// <summary>The enqueue scripts' last arguments.</summary>
    private static IEnumerable<RedisValue> Tickets(QueuedJob job) => job.AdmissionTickets.Select(ticket => (RedisValue)ticket);

    private EnqueueResult EnqueueReply(QueuedJob job, RedisResult[] reply) => (string?)reply[0] switch
    {
        "enqueued" => EnqueueResult.Enqueued(position: (long)reply[1], depth: (long)reply[2]),
        "full" => EnqueueResult.QueueFull(depth: (long)reply[1], _options.QueueFullRetryAfter),
        "unadmitted" => EnqueueResult.Unadmitted,
        "duplicate" => throw new InvalidOperationException(
            $"Job {job.JobId} is in the queue already; give every job an id of its own."),
        var other => throw UnexpectedReply(nameof(EnqueueAsync), other),
    };

    /// <summary>
    /// As <see cref="EnqueueAsync"/>, offering the job to a node linked to its owner: in the same
    /// atomic step it is assigned to that node and leased, exactly as a pop would leave it, when
    /// the node's group may serve it, the node's slots counted over every gateway allow it and no
    /// waiting job the node could serve goes first (<see cref="EnqueueOutcome.Assigned"/>, with
    /// the job to serve); otherwise it is queued as by <see cref="EnqueueAsync"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A job with the same id is in the queue already.</exception>
    public async Task<EnqueueResult> EnqueueOnNodeAsync(QueuedJob job, NodeOffer node)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(node);
        job.Validate();
        node.Validate();
        var groups = NodeGroupPatterns.Canonical(job.NodeGroups);
        var models = node.Models.Distinct(StringComparer.Ordinal).ToList();
        var result = await _database.ScriptEvaluateAsync(
            QueueScripts.EnqueueOnNode,
            [_keys.Job(job.JobId), _keys.Queue(job.Model, groups), _keys.Clock, _keys.Leases, _keys.NodeJobs(node.NodeId)],
            [
                .. JobArguments(job, groups),
                node.NodeId, _leaseMicroseconds, node.Group, node.Slots, models.Count,
                .. models.Select(model => (RedisValue)model),
                .. Tickets(job),
            ]).ConfigureAwait(false);
        var reply = (RedisResult[])result!;
        if ((string?)reply[0] != "assigned")
        {
            return EnqueueReply(job, reply);
        }

        var arrival = DateTimeOffset.UnixEpoch.AddTicks(ParseLong(reply[1]) * TimeSpan.TicksPerMicrosecond);
        return EnqueueResult.AssignedOnArrival(new PoppedJob(job.JobId, job.Model, job.Priority, job.OwnerGatewayId, job.Payload, arrival, TimeSpan.Zero)
        {
            TraceContext = job.TraceContext,
        });
    }

    /// <summary>
    /// Takes the best waiting job among <paramref name="models"/>' queues for a node, marks it
    /// assigned to that node and to <paramref name="gatewayId"/> (the gateway linked to the
    /// node), and leases it; null when none waits or the node has no free slot.
    /// </summary>
    /// <param name="nodeSlots">the node's slots: jobs assigned to it by every gateway count against them</param>
    public async Task<PoppedJob?> TryPopAsync(IReadOnlyCollection<string> models, string nodeId, string gatewayId, string nodeGroup = NodeGroupPatterns.DefaultGroup, int nodeSlots = int.MaxValue) =>
        await PopAsync(models, nodeId, gatewayId, 1, nodeGroup, nodeSlots).ConfigureAwait(false) is [var job, ..] ? job : null;

    /// <summary>
    /// As <see cref="TryPopAsync"/>, for up to <paramref name="max"/> jobs at once (this gateway's
    /// view of the node's free slots) in one round trip, best first; never more than the node's
    /// free slots counted over every gateway (<paramref name="nodeSlots"/> less the jobs assigned
    /// to it); empty when none waits.
    /// </summary>
    public async Task<IReadOnlyList<PoppedJob>> PopAsync(IReadOnlyCollection<string> models, string nodeId, string gatewayId, int max, string nodeGroup = NodeGroupPatterns.DefaultGroup, int nodeSlots = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeId);
        ArgumentException.ThrowIfNullOrWhiteSpace(gatewayId);
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeGroup);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        if (models.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("A model name is empty.", nameof(models));
        }

        if (models.Count == 0)
        {
            return [];
        }

        RedisValue[] arguments = [_keys.Prefix, nodeId, gatewayId, _leaseMicroseconds, max, nodeGroup, nodeSlots, .. models.Distinct(StringComparer.Ordinal).Select(model => (RedisValue)model)];
        var result = await _database.ScriptEvaluateAsync(QueueScripts.Pop, [_keys.Leases, _keys.NodeJobs(nodeId)], arguments).ConfigureAwait(false);
        return [.. ((RedisResult[])result!).Select(entry => Popped((RedisResult[])entry!))];
    }

    private static PoppedJob Popped(RedisResult[] reply)
    {
        var enqueued = ParseLong(reply[5]);
        var now = ParseLong(reply[6]);
        return new PoppedJob(
            JobId: (string)reply[0]!,
            Model: (string)reply[1]!,
            Priority: (int)ParseLong(reply[2]),
            OwnerGatewayId: (string)reply[3]!,
            Payload: (byte[])reply[4]!,
            EnqueuedAt: DateTimeOffset.UnixEpoch.AddTicks(enqueued * TimeSpan.TicksPerMicrosecond),
            Waited: TimeSpan.FromMicroseconds(Math.Max(0, now - enqueued)))
        {
            TraceContext = (string?)reply[7] is { Length: > 0 } trace ? trace : null,
        };
    }

    /// <summary>Takes a job out of its queue if it is still waiting; otherwise says who holds it.</summary>
    public async Task<RemoveResult> RemoveIfQueuedAsync(string jobId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        var result = await _database.ScriptEvaluateAsync(
            QueueScripts.RemoveIfQueued, [_keys.Job(jobId)], [jobId]);
        var reply = (RedisResult[])result!;
        return (string?)reply[0] switch
        {
            "removed" => RemoveResult.Removed,
            "unknown" => RemoveResult.Unknown,
            "not_queued" => RemoveResult.NotQueued(
                ParseState((string?)reply[1]), (string)reply[2]!, (string)reply[3]!, (string?)reply[4] == "1"),
            var other => throw UnexpectedReply(nameof(RemoveIfQueuedAsync), other),
        };
    }

    /// <summary>
    /// Records that the job's first token reached its client: from now on it can no longer be
    /// requeued. False when the job is not assigned (it was completed, removed or requeued).
    /// </summary>
    public async Task<bool> MarkStartedAsync(string jobId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        var result = await _database.ScriptEvaluateAsync(QueueScripts.MarkStarted, [_keys.Job(jobId)]);
        return (long)result == 1;
    }

    /// <summary>
    /// Extends the leases of jobs a node is still serving by <see cref="QueueOptions.LeaseDuration"/>
    /// from now. Returns the ids that hold no lease any more (completed, removed, or swept after
    /// expiring): their node should stop them.
    /// </summary>
    public async Task<IReadOnlyList<string>> RenewLeasesAsync(IEnumerable<string> jobIds)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        var ids = jobIds.Select(id => (RedisValue)id).ToList();
        if (ids.Count == 0)
        {
            return [];
        }

        var result = await _database.ScriptEvaluateAsync(
            QueueScripts.RenewLeases, [_keys.Leases], [_leaseMicroseconds, .. ids]);
        return [.. ((RedisResult[])result!).Select(id => (string)id!)];
    }

    /// <summary>Forgets a finished job: its record and its lease. False when it was unknown.</summary>
    public async Task<bool> CompleteAsync(string jobId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        var result = await _database.ScriptEvaluateAsync(
            QueueScripts.Complete, [_keys.Job(jobId), _keys.Leases], [jobId, _keys.Notify.ToString(), _keys.Prefix]);
        return (long)result == 1;
    }

    /// <summary>
    /// Puts an assigned job whose node went away back at the front of its model's queue. Refused
    /// (false) once a token was delivered, since the client has seen part of an answer; also
    /// refused when <paramref name="assignedNodeId"/> is given and the job has moved to another node.
    /// True when the job is queued afterwards.
    /// </summary>
    public async Task<bool> RequeueAsync(string jobId, string? assignedNodeId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        var result = await _database.ScriptEvaluateAsync(
            QueueScripts.Requeue,
            [_keys.Job(jobId), _keys.Leases],
            [_keys.Prefix, jobId, _keys.Notify.ToString(), assignedNodeId ?? string.Empty]);
        return (long)result == 1;
    }

    /// <summary>
    /// Handles up to <paramref name="max"/> expired leases, in one atomic step: jobs that had
    /// delivered no token go back to the front of their queues; the others are removed and
    /// returned so that their owners can end their clients' streams.
    /// </summary>
    public async Task<LeaseSweep> SweepExpiredLeasesAsync(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        var result = await _database.ScriptEvaluateAsync(
            QueueScripts.SweepExpiredLeases, [_keys.Leases], [_keys.Prefix, max, _keys.Notify.ToString()]);
        var reply = (RedisResult[])result!;
        var requeued = ((RedisResult[])reply[0]!).Select(id => (string)id!).ToList();
        var failed = ((RedisResult[])reply[1]!)
            .Select(entry => (RedisResult[])entry!)
            .Select(f => new FailedJob((string)f[0]!, (string)f[1]!, (string)f[2]!, (string)f[3]!))
            .ToList();
        return new LeaseSweep(requeued, failed);
    }

    /// <summary>Jobs waiting for <paramref name="model"/>, whatever node groups they may run on.</summary>
    public async Task<long> DepthAsync(string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        return (long)await _database.ScriptEvaluateAsync(QueueScripts.Depth, [], [_keys.Prefix, model]).ConfigureAwait(false);
    }

    /// <summary>
    /// The jobs waiting for <paramref name="model"/> over all its queues, one entry per priority
    /// that has any, highest priority first, with how long the oldest has waited. One script reads
    /// them all, so counts and ages agree; it reads every waiting job, so call it periodically
    /// (metrics, the dashboard), never per request.
    /// </summary>
    public async Task<IReadOnlyList<WaitingJobs>> WaitingAsync(string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        var reply = (RedisResult[])(await _database.ScriptEvaluateAsync(QueueScripts.Waiting, [], [_keys.Prefix, model]).ConfigureAwait(false))!;
        var now = ParseLong(reply[0]);
        var waiting = new List<WaitingJobs>();
        for (var i = 1; i + 2 < reply.Length; i += 3)
        {
            var oldestWait = TimeSpan.FromMicroseconds(Math.Max(0, now - ParseLong(reply[i + 2])));
            waiting.Add(new WaitingJobs(model, (int)ParseLong(reply[i]), (long)reply[i + 1], oldestWait));
        }

        return [.. waiting.OrderByDescending(entry => entry.Priority)];
    }

    /// <summary>
    /// Marks <paramref name="gatewayId"/> alive for <paramref name="ttl"/>. A gateway refreshes
    /// this well within the time to live for as long as it holds clients' streams.
    /// </summary>
    public Task RefreshGatewayAsync(string gatewayId, TimeSpan ttl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(gatewayId);
        ArgumentOutOfRangeException.ThrowIfLessThan(ttl, TimeSpan.FromMilliseconds(1));
        return _database.StringSetAsync(_keys.Gateway(gatewayId), "1", ttl);
    }

    /// <summary>True while the gateway keeps refreshing its liveness key (<see cref="RefreshGatewayAsync"/>).</summary>
    public Task<bool> IsGatewayAliveAsync(string gatewayId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(gatewayId);
        return _database.KeyExistsAsync(_keys.Gateway(gatewayId));
    }

    /// <summary>Listens for the models that receive jobs, from every gateway of the herd.</summary>
    public Task<QueueNotifications> SubscribeAsync() => QueueNotifications.SubscribeAsync(_subscriber, _keys.Notify);

    private static long ToMicroseconds(TimeSpan duration) => duration.Ticks / TimeSpan.TicksPerMicrosecond;

    // The scripts return stamps as strings: a Lua number would reach Redis rounded.
    private static long ParseLong(RedisResult value) => long.Parse((string)value!, CultureInfo.InvariantCulture);

    private static JobState ParseState(string? state) => state switch
    {
        "queued" => JobState.Queued,
        "assigned" => JobState.Assigned,
        _ => throw UnexpectedReply("job state", state),
    };

    private static InvalidOperationException UnexpectedReply(string operation, string? reply) =>
        new($"The queue's script for {operation} answered '{reply}'; the Redis data does not match this version of Herd.");
}
