using Herd.Gateway.Queue;

namespace Herd.Tests.Gateway.Queue;

/// <summary>A node's slots counted in Redis over every gateway that pops for it.</summary>
public sealed partial class JobQueueTests
{
    [Fact]
    public async Task Pop_ForANodeOfTwoSlots_GivesItTwoJobsWhicheverGatewayAsks_UntilOneEnds()
    {
        var queue = await CreateQueueAsync();
        await EnqueueAllAsync(queue, Job("j1"), Job("j2"), Job("j3"), Job("j4"), Job("j5"));

        var first = await queue.PopAsync(["m"], "node-1", "gateway-a", max: 2, nodeSlots: 2);
        var second = await queue.PopAsync(["m"], "node-1", "gateway-b", max: 2, nodeSlots: 2);
        var otherNode = await queue.PopAsync(["m"], "node-2", "gateway-b", max: 1, nodeSlots: 2);
        await queue.CompleteAsync("j1");
        var afterComplete = await queue.PopAsync(["m"], "node-1", "gateway-b", max: 2, nodeSlots: 2);
        Assert.True(await queue.RequeueAsync("j2", "node-1"));
        var afterRequeue = await queue.PopAsync(["m"], "node-1", "gateway-a", max: 2, nodeSlots: 2);

        Assert.Equal(["j1", "j2"], first.Select(job => job.JobId));
        Assert.Empty(second);
        Assert.Equal(["j3"], otherNode.Select(job => job.JobId));
        Assert.Equal(["j4"], afterComplete.Select(job => job.JobId));
        // The requeued job goes back to the front, and the node has its slot again.
        Assert.Equal(["j2"], afterRequeue.Select(job => job.JobId));
        Assert.Equal(1, await queue.DepthAsync("m"));
    }

    [Fact]
    public async Task Pop_CountsAJobWhoseLeaseWasSwept_AsNoLongerTheNodes()
    {
        var queue = await CreateQueueAsync(new QueueOptions { LeaseDuration = TimeSpan.FromMilliseconds(50) });
        await EnqueueAllAsync(queue, Job("j1"), Job("j2"));
        var held = await queue.PopAsync(["m"], "node-1", "gateway-gone", max: 1, nodeSlots: 1);
        var whileHeld = await queue.PopAsync(["m"], "node-1", "gateway-a", max: 1, nodeSlots: 1);

        // The gateway that held it died: its lease runs out and the sweep puts the job back.
        await Task.Delay(100);
        var swept = await queue.SweepExpiredLeasesAsync(10);
        var afterSweep = await queue.PopAsync(["m"], "node-1", "gateway-a", max: 1, nodeSlots: 1);

        Assert.Equal(["j1"], held.Select(job => job.JobId));
        Assert.Empty(whileHeld);
        Assert.Equal(["j1"], swept.Requeued);
        Assert.Equal(["j1"], afterSweep.Select(job => job.JobId));
    }

    [Fact]
    public async Task Pop_ANodeWhoseStartedJobWasSweptAfterItsGatewayDied_HasItsSlotAgain()
    {
        var queue = await CreateQueueAsync(new QueueOptions { LeaseDuration = TimeSpan.FromMilliseconds(50) });
        await EnqueueAllAsync(queue, Job("j1"), Job("j2"));
        Assert.Single(await queue.PopAsync(["m"], "node-1", "gateway-gone", max: 1, nodeSlots: 1));
        Assert.True(await queue.MarkStartedAsync("j1"));

        // A job that streamed tokens is failed and forgotten by the sweep; its node's set still
        // names it until a pop finds the set full and checks it.
        await Task.Delay(100);
        var swept = await queue.SweepExpiredLeasesAsync(10);
        var next = await queue.PopAsync(["m"], "node-1", "gateway-a", max: 1, nodeSlots: 1);

        Assert.Equal("j1", Assert.Single(swept.Failed).JobId);
        Assert.Equal(["j2"], next.Select(job => job.JobId));
        Assert.Equal(["j2"], (await Connection.GetDatabase().SetMembersAsync("herd:node-jobs:node-1")).Select(id => (string?)id));
    }
}
