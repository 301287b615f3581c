using System.Diagnostics;

namespace Herd.Tests.Gateway.Queue;

/// <summary>What the queue keeps for the gateway's telemetry: depths by priority, and each job's trace context.</summary>
public sealed partial class JobQueueTests
{
    [Fact]
    public async Task DepthByPriority_CountsTheWaitingJobsOfEachPriority_OverAllTheModelsQueues()
    {
        var queue = await CreateQueueAsync();
        await EnqueueAllAsync(queue, Job("low-1", priority: 0), Job("high-1", priority: 5), Job("low-2", priority: 0), Job("other-model", model: "n", priority: 5),
            GroupJob("grouped-low", priority: 0, groups: ["gpu-*"]));
        await queue.PopAsync(["m"], "node-1", Server, max: 1);

        var depths = await queue.DepthByPriorityAsync("m");

        // high-1 was popped: it no longer waits.
        Assert.Equal(new Dictionary<int, long> { [0] = 3 }, depths);
    }

    [Fact]
    public async Task Pop_GivesBackTheTraceContextTheJobWasQueuedWith()
    {
        var queue = await CreateQueueAsync();
        var traceContext = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var traceParent = $"00-{traceContext.TraceId}-{traceContext.SpanId}-01";
        await EnqueueAllAsync(queue, Job("traced", priority: 1) with { TraceContext = traceParent }, Job("untraced"));

        var popped = await queue.PopAsync(["m"], "node-1", Server, max: 2);

        Assert.Equal(["traced", "untraced"], popped.Select(job => job.JobId));
        Assert.Equal(traceParent, popped[0].TraceContext);
        Assert.Null(popped[1].TraceContext);
    }
}
