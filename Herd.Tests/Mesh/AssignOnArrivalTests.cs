using Grpc.Core;
using Herd.Tests.Fixtures;
using StackExchange.Redis;

namespace Herd.Tests.Mesh;

/// <summary>
/// A request that arrives at a gateway linked to a node with a free slot is assigned to that node
/// in the same Redis step that records it (no dispatcher pops it, so it waits no time at all), and
/// is recorded and leased there exactly as a popped job, so a gateway that dies with it ends it as
/// before. Priority order against waiting jobs is the queue's script's: JobQueueTests.AssignOnArrival.
/// </summary>
public sealed class AssignOnArrivalTests
{
    [Fact]
    public async Task AJobAssignedOnArrival_IsRecordedAndLeasedInRedisWhileItRuns_AndItsGatewayDying_IsSweptAsBefore()
    {
        await using var herd = await TestHerd.StartAsync(
            gateways: 2,
            nodes: 0,
            gatewaySettings: new Dictionary<string, string> { ["Herd__Gateway__Queue__LeaseDuration"] = "00:00:02" },
            nodeSettings: new Dictionary<string, string>
            {
                ["Herd__Node__Engine__MaxSequences"] = "2",
                ["Herd__Node__Engine__SyntheticTokensPerSecond"] = "50",
            });
        herd.Nodes.Add(herd.StartNode(0, new Dictionary<string, string>
        {
            ["Herd__Node__Gateways__0"] = herd.Gateways[0].GrpcUrl,
            ["Herd__Node__Gateways__1"] = herd.Gateways[1].GrpcUrl,
        }));
        await herd.WaitUntilServedAsync(1);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(herd.Redis.ConnectionString);
        var database = redis.GetDatabase();

        var quick = await StreamedCompletion.RunAsync(herd.Gateways[1].Completions, MeshClient.Request("quick", 4));

        // The benchmark engine makes the long job last 30 s: it runs while Redis is looked at.
        var firstToken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = StreamedCompletion.RunAsync(herd.Gateways[1].Completions, MeshClient.Request("a very long story", 1500), _ => firstToken.TrySetResult());
        await firstToken.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var jobId = Assert.Single(await JobIdsAsync(redis));
        var record = await database.HashGetAsync($"herd:job:{jobId}", ["state", "node", "server", "owner"]);
        var leased = await database.SortedSetScoreAsync("herd:leases", jobId);
        var countedOnTheNode = await database.SetContainsAsync("herd:node-jobs:node-0", jobId);

        // The gateway holding the client and the node's job dies; its lease runs out and the other
        // gateway's sweep removes the job, which had delivered tokens, as it would a popped one.
        await herd.Gateways[1].Process.DisposeAsync();
        var lost = await Assert.ThrowsAsync<RpcException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
        await Poll.UntilAsync(async () => (await JobIdsAsync(redis)).Count == 0, "the dead gateway's job is gone from Redis");
        // The node's two slots are free again by Redis's count: both jobs are assigned on arrival.
        var after = await Task.WhenAll(Enumerable.Range(0, 2).Select(i =>
            StreamedCompletion.RunAsync(herd.Gateways[0].Completions, MeshClient.Request($"after {i}", 20)).WaitAsync(TimeSpan.FromSeconds(30))));

        // Assigned in the step that recorded it: no time passed between the two.
        Assert.Equal(TimeSpan.Zero, quick.Done.QueueWait.ToTimeSpan());
        Assert.Equal("node-0", quick.Done.NodeId);
        Assert.Equal(["assigned", "node-0", "gateway-1", "gateway-1"], record.Select(value => (string?)value));
        Assert.NotNull(leased);
        Assert.True(countedOnTheNode, "the job does not count against the node's slots");
        Assert.Equal(StatusCode.Unavailable, lost.StatusCode);
        Assert.All(after, completion => Assert.Equal((TimeSpan.Zero, 20), (completion.Done.QueueWait.ToTimeSpan(), completion.Done.Usage.CompletionTokens)));
    }

    private static async Task<List<string>> JobIdsAsync(ConnectionMultiplexer redis)
    {
        var ids = new List<string>();
        await foreach (var key in redis.GetServer(redis.GetEndPoints()[0]).KeysAsync(pattern: "herd:job:*"))
        {
            ids.Add(((string)key!)["herd:job:".Length..]);
        }

        return ids;
    }
}
