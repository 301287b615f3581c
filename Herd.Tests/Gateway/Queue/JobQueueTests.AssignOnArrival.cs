using Herd.Gateway.Queue;

namespace Herd.Tests.Gateway.Queue;

/// <summary>A new job offered to a node linked to its owner: assigned in the same step, or queued as before.</summary>
public sealed partial class JobQueueTests
{
    private static NodeOffer Node(string id = "node-1", int slots = 2, string group = NodeGroupPatterns.DefaultGroup, params string[] models) =>
        new(id, group, slots, models.Length == 0 ? ["m"] : models);

    [Fact]
    public async Task EnqueueOnNode_NothingWaits_AssignsTheJobAsAPopWould()
    {
        var queue = await CreateQueueAsync();
        var database = Connection.GetDatabase();

        var result = await queue.EnqueueOnNodeAsync(Job("job-1", priority: 3), Node());

        Assert.Equal(EnqueueOutcome.Assigned, result.Outcome);
        var assigned = Assert.IsType<PoppedJob>(result.Assigned);
        Assert.Equal(("job-1", "m", 3, Owner, TimeSpan.Zero), (assigned.JobId, assigned.Model, assigned.Priority, assigned.OwnerGatewayId, assigned.Waited));
        Assert.Equal("payload of job-1", System.Text.Encoding.UTF8.GetString(assigned.Payload.Span));
        // Recorded, leased and counted against the node as a popped job is; the queue is empty.
        var record = await database.HashGetAsync("herd:job:job-1", ["state", "node", "server", "queue"]);
        Assert.Equal(["assigned", "node-1", Owner, "herd:queue:m"], record.Select(value => (string?)value));
        Assert.NotNull(await database.SortedSetScoreAsync("herd:leases", "job-1"));
        Assert.True(await database.SetContainsAsync("herd:node-jobs:node-1", "job-1"));
        Assert.Equal(0, await queue.DepthAsync("m"));
        Assert.Null(await queue.TryPopAsync(["m"], "node-2", Server));
    }

    [Fact]
    public async Task EnqueueOnNode_AWaitingJobTheNodeServesGoesFirst_QueuesTheNewOneBehindIt()
    {
        var queue = await CreateQueueAsync();
        await EnqueueAllAsync(queue, Job("waiting-other-model", model: "b", priority: 0));

        var samePriority = await queue.EnqueueOnNodeAsync(Job("same-priority", priority: 0), Node(models: ["m", "b"]));
        var moreUrgent = await queue.EnqueueOnNodeAsync(Job("more-urgent", priority: 5), Node(models: ["m", "b"]));
        var popped = await PopAllAsync(queue, ["m", "b"]);

        // The older job of the node's other model keeps its turn; a job that outranks it does not wait.
        Assert.Equal((EnqueueOutcome.Enqueued, 1L), (samePriority.Outcome, samePriority.Position));
        Assert.Null(samePriority.Assigned);
        Assert.Equal(EnqueueOutcome.Assigned, moreUrgent.Outcome);
        Assert.Equal(["waiting-other-model", "same-priority"], popped.Select(job => job.JobId));
    }

    [Fact]
    public async Task EnqueueOnNode_TheNodesSlotsAreTakenByOtherGateways_QueuesTheJob()
    {
        var queue = await CreateQueueAsync();
        await EnqueueAllAsync(queue, Job("j1"));
        Assert.Single(await queue.PopAsync(["m"], "node-1", Server, max: 1, nodeSlots: 1));

        var full = await queue.EnqueueOnNodeAsync(Job("j2"), Node(slots: 1));
        await queue.CompleteAsync("j1");
        var free = await queue.EnqueueOnNodeAsync(Job("j3"), Node(slots: 1));

        Assert.Equal(EnqueueOutcome.Enqueued, full.Outcome);
        // j2 waits for the slot j1 gave back: it goes before j3, which arrived later.
        Assert.Equal(EnqueueOutcome.Enqueued, free.Outcome);
        Assert.Equal(["j2"], (await queue.PopAsync(["m"], "node-1", Server, max: 2, nodeSlots: 1)).Select(job => job.JobId));
    }

    [Fact]
    public async Task EnqueueOnNode_TheJobsNodeGroupsExcludeTheNode_QueuesItForAnotherNode()
    {
        var queue = await CreateQueueAsync();

        var result = await queue.EnqueueOnNodeAsync(Job("gpu-only") with { NodeGroups = ["gpu-*"] }, Node(group: "cpu"));
        var byGpuNode = await queue.TryPopAsync(["m"], "node-2", Server, nodeGroup: "gpu-a");

        Assert.Equal(EnqueueOutcome.Enqueued, result.Outcome);
        Assert.Equal("gpu-only", byGpuNode?.JobId);
    }

    [Fact]
    public async Task EnqueueOnNode_RefusesAsEnqueueDoes_FullQueueMissingTicketAndDuplicate()
    {
        var queue = await CreateQueueAsync(new QueueOptions { MaxDepthPerModel = 1 });
        await EnqueueAllAsync(queue, Job("waiting"));

        var full = await queue.EnqueueOnNodeAsync(Job("job-1"), Node());
        var unadmitted = await queue.EnqueueOnNodeAsync(Job("job-2", model: "other") with { AdmissionTickets = ["t:missing"] }, Node(models: ["other"]));

        Assert.Equal(EnqueueOutcome.QueueFull, full.Outcome);
        Assert.Equal(EnqueueOutcome.Unadmitted, unadmitted.Outcome);
        await Assert.ThrowsAsync<InvalidOperationException>(() => queue.EnqueueOnNodeAsync(Job("waiting", model: "other"), Node(models: ["other"])));
        await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueOnNodeAsync(Job("job-3"), Node(models: [" "])));
        Assert.False(await Connection.GetDatabase().KeyExistsAsync("herd:job:job-2"));
    }

    [Fact]
    public async Task EnqueueOnNode_TheModelsQueuesAreFullOfJobsTheNodeCannotTake_AssignsTheJob_AsItAddsNothingToThem()
    {
        var queue = await CreateQueueAsync(new QueueOptions { MaxDepthPerModel = 1 });
        await EnqueueAllAsync(queue, Job("gpu-only") with { NodeGroups = ["gpu-*"] });

        var onCpuNode = await queue.EnqueueOnNodeAsync(Job("job-1"), Node(group: "cpu"));
        var onAnotherNode = await queue.EnqueueOnNodeAsync(Job("job-2"), Node(id: "node-2", slots: 1, group: "cpu"));
        await queue.EnqueueOnNodeAsync(Job("job-3"), Node(id: "node-3", slots: 1, group: "cpu"));
        var full = await queue.EnqueueOnNodeAsync(Job("job-4"), Node(id: "node-3", slots: 1, group: "cpu"));

        Assert.Equal(EnqueueOutcome.Assigned, onCpuNode.Outcome);
        Assert.Equal(EnqueueOutcome.Assigned, onAnotherNode.Outcome);
        // node-3's one slot is taken: the next job would be queued, and the queues are full.
        Assert.Equal((EnqueueOutcome.QueueFull, 1L), (full.Outcome, full.Depth));
    }

    [Fact]
    public async Task EnqueueOnNode_AssignedJobWhoseGatewayDied_IsRequeuedBySweepAsAPoppedOneIs()
    {
        var queue = await CreateQueueAsync(new QueueOptions { LeaseDuration = TimeSpan.FromMilliseconds(50) });
        var assigned = await queue.EnqueueOnNodeAsync(Job("job-1"), Node(slots: 1));

        // Its gateway stops renewing the lease; the sweep puts the job at the front of its queue.
        await Task.Delay(100);
        var swept = await queue.SweepExpiredLeasesAsync(10);
        var next = await queue.TryPopAsync(["m"], "node-2", Server);

        Assert.Equal(EnqueueOutcome.Assigned, assigned.Outcome);
        Assert.Equal(["job-1"], swept.Requeued);
        Assert.Equal("job-1", next?.JobId);
    }
}
