using Herd.Gateway.Nodes.Links;
using Herd.Gateway.Queue;

namespace Herd.Gateway.Nodes.Dispatch;

/// <summary>
/// Queues a request's job and, when a node linked to this gateway serves its model with a free
/// slot, offers the job to that node in the same Redis step (<see cref="JobQueue.EnqueueOnNodeAsync"/>).
/// A job assigned on arrival is recorded and leased exactly as a popped one, so leases, failover,
/// requeueing and cancellation treat it as any other; it only skips the queue's notification,
/// the dispatcher's wake-up and the pop's round trip. Priority order holds: Redis assigns it only
/// when no waiting job the node could serve goes first, and queues it otherwise.
/// </summary>
public sealed class ArrivalDispatcher(NodeRegistry registry, JobQueue queue, JobServer server)
{
    public async Task<EnqueueResult> EnqueueAsync(QueuedJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var node = queue.Options.AssignOnArrival ? ReserveSlotFor(job) : null;
        EnqueueResult result;
        try
        {
            result = node is null
                ? await queue.EnqueueAsync(job).ConfigureAwait(false)
                : await queue.EnqueueOnNodeAsync(job, new NodeOffer(node.NodeId, node.Group, node.Slots, [.. node.Models.Select(model => model.Name)])).ConfigureAwait(false);
        }
        catch
        {
            node?.ReleaseSlot();
            throw;
        }

        HopTimestamps.Mark(HopNames.GatewayEnqueued, job.JobId);
        if (result.Assigned is { } assigned)
        {
            server.Start(node!, assigned);
        }
        else
        {
            // Queued instead: the slot may be what a waiting job needs.
            node?.ReleaseSlot();
        }

        return result;
    }

    /// <summary>The linked node of the job's model with the most free slots here, one of them reserved; null when none has one.</summary>
    private NodeConnection? ReserveSlotFor(QueuedJob job) => registry.Connections
        .Where(connection => connection.Serves(job.Model) && NodeGroupPatterns.Admit(job.NodeGroups, connection.Group))
        .OrderByDescending(connection => connection.FreeSlots)
        .FirstOrDefault(connection => connection.TryReserveSlot());
}
