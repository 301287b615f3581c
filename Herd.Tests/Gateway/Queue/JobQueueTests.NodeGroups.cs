using System.Text;
using Herd.Gateway.Queue;

namespace Herd.Tests.Gateway.Queue;

/// <summary>Jobs limited to node groups: a node only gets what its group may serve.</summary>
public sealed partial class JobQueueTests
{
    [Fact]
    public async Task Pop_NodeOfAnotherGroup_DoesNotGetTheGroupsJobs_NodeOfTheGroupDoes()
    {
        var queue = await CreateQueueAsync();
        await queue.EnqueueAsync(GroupJob("team-a-job", priority: 10, groups: ["team-a"]));

        var forDefault = await queue.PopAsync(["m"], "node-default", Owner, max: 5, nodeGroup: "default");
        var forTeamB = await queue.PopAsync(["m"], "node-b", Owner, max: 5, nodeGroup: "team-b");
        var forTeamA = await queue.PopAsync(["m"], "node-a", Owner, max: 5, nodeGroup: "team-a");

        Assert.Empty(forDefault);
        Assert.Empty(forTeamB);
        Assert.Equal(["team-a-job"], forTeamA.Select(job => job.JobId));
    }

    [Fact]
    public async Task Pop_TakesTheBestJobAcrossTheQueuesTheGroupMayServe()
    {
        var queue = await CreateQueueAsync();
        await queue.EnqueueAsync(GroupJob("any-low", priority: 0));
        await queue.EnqueueAsync(GroupJob("gpu-high", priority: 9, groups: ["gpu-*"]));
        await queue.EnqueueAsync(GroupJob("team-mid", priority: 5, groups: ["team-a", "gpu-big"]));
        await queue.EnqueueAsync(GroupJob("other-top", priority: 20, groups: ["team-z"]));

        var popped = await queue.PopAsync(["m"], "node-gpu", Owner, max: 10, nodeGroup: "gpu-big");

        Assert.Equal(["gpu-high", "team-mid", "any-low"], popped.Select(job => job.JobId));
        Assert.Equal(1, await queue.DepthAsync("m"));
    }

    [Fact]
    public async Task Pattern_MatchesWholeLabels_AndDotsAreNotWildcards()
    {
        var queue = await CreateQueueAsync();
        await queue.EnqueueAsync(GroupJob("dotted", groups: ["eu.west"]));
        await queue.EnqueueAsync(GroupJob("prefixed", groups: ["team"]));

        var forLookalike = await queue.PopAsync(["m"], "node-1", Owner, max: 5, nodeGroup: "euxwest");
        var forLonger = await queue.PopAsync(["m"], "node-2", Owner, max: 5, nodeGroup: "team-a");

        Assert.Empty(forLookalike);
        Assert.Empty(forLonger);
        Assert.Equal(2, await queue.DepthAsync("m"));
    }

    [Fact]
    public async Task DepthLimit_CountsEveryQueueOfTheModel()
    {
        var queue = await CreateQueueAsync(new QueueOptions { MaxDepthPerModel = 2 });
        await queue.EnqueueAsync(GroupJob("any"));
        await queue.EnqueueAsync(GroupJob("team", groups: ["team-a"]));

        var refused = await queue.EnqueueAsync(GroupJob("more", groups: ["team-b"]));

        Assert.Equal(EnqueueOutcome.QueueFull, refused.Outcome);
        Assert.Equal(2, refused.Depth);
    }

    [Fact]
    public async Task GroupedJob_CanBeRemovedRequeuedAndCompleted_InItsOwnQueue()
    {
        var queue = await CreateQueueAsync();
        await queue.EnqueueAsync(GroupJob("to-remove", groups: ["team-a"]));
        await queue.EnqueueAsync(GroupJob("to-requeue", groups: ["team-a"]));

        Assert.Equal(RemoveResult.Removed, await queue.RemoveIfQueuedAsync("to-remove"));
        var popped = await queue.PopAsync(["m"], "node-a", Owner, max: 5, nodeGroup: "team-a");
        Assert.Equal(["to-requeue"], popped.Select(job => job.JobId));
        Assert.True(await queue.RequeueAsync("to-requeue"));
        Assert.Empty(await queue.PopAsync(["m"], "node-default", Owner, max: 5, nodeGroup: "default"));
        var again = await queue.PopAsync(["m"], "node-a2", Owner, max: 5, nodeGroup: "team-a");
        Assert.True(await queue.CompleteAsync("to-requeue"));

        Assert.Equal(["to-requeue"], again.Select(job => job.JobId));
        Assert.Equal(0, await queue.DepthAsync("m"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Team-A")]
    [InlineData("a,b")]
    [InlineData("team a")]
    [InlineData("x'; DROP")]
    public async Task Enqueue_InvalidGroupPattern_IsRefusedNamingIt(string pattern)
    {
        var queue = await CreateQueueAsync();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueAsync(GroupJob("bad", groups: [pattern])));

        Assert.Contains($"'{pattern}'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await queue.DepthAsync("m"));
    }

    private static QueuedJob GroupJob(string id, int priority = 0, string[]? groups = null) =>
        new(id, "m", priority, Owner, Encoding.UTF8.GetBytes($"payload of {id}")) { NodeGroups = groups ?? [] };
}
