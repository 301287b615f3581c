using System.Diagnostics;

namespace Herd.Tests.Gateway.Queue;

/// <summary>What the queue reports for metrics and the dashboard: waiting jobs by priority, and each job's trace context.</summary>
public sealed partial class JobQueueTests
{
    [Fact]
    public async Task Waiting_CountsTheJobsOfEachPriority_OverAllTheModelsQueues()
    {
        var queue = await CreateQueueAsync();
        await EnqueueAllAsync(queue, Job("low-1", priority: 0), Job("high-1", priority: 5), Job("low-2", priority: 0), Job("other-model", model: "n", priority: 5),
            GroupJob("grouped-low", priority: 0, groups: ["gpu-*"]));
        await queue.PopAsync(["m"], "node-1", Server, max: 1);

        var waiting = await queue.WaitingAsync("m");

        // high-1 was popped: it no longer waits.
        Assert.Equal([(0, 3L)], waiting.Select(jobs => (jobs.Priority, jobs.Count)));
    }

    [Fact]
    public async Task Waiting_CountsEachPriorityOverEveryQueueOfTheModel_HighestFirst()
    {
        var queue = await CreateQueueAsync();
        await queue.EnqueueAsync(Job("first", priority: 0));
        await queue.EnqueueAsync(GroupJob("grouped", priority: 0, groups: ["team-a"]));
        await queue.EnqueueAsync(Job("urgent", priority: 5));
        await queue.EnqueueAsync(Job("elsewhere", model: "other", priority: 5));

        var waiting = await queue.WaitingAsync("m");

        Assert.Equal([(5, 1L), (0, 2L)], waiting.Select(jobs => (jobs.Priority, jobs.Count)));
        Assert.All(waiting, jobs => Assert.Equal("m", jobs.Model));
        // "first" waited since before "urgent" was enqueued.
        Assert.True(waiting[1].OldestWait >= waiting[0].OldestWait, $"{waiting[1].OldestWait} < {waiting[0].OldestWait}");
        Assert.True(waiting[0].OldestWait >= TimeSpan.Zero);
    }

    [Fact]
    public async Task Waiting_LeavesOutJobsAlreadyAssigned()
    {
        var queue = await CreateQueueAsync();
        await queue.EnqueueAsync(Job("low", priority: 0));
        await queue.EnqueueAsync(Job("high", priority: 9));

        var popped = await queue.TryPopAsync(["m"], "node-1", Owner);
        var waiting = await queue.WaitingAsync("m");

        Assert.Equal("high", popped?.JobId);
        Assert.Equal([(0, 1L)], waiting.Select(jobs => (jobs.Priority, jobs.Count)));
    }

    [Fact]
    public async Task Waiting_ModelWithNoJobs_IsEmpty()
    {
        var queue = await CreateQueueAsync();

        Assert.Empty(await queue.WaitingAsync("m"));
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
