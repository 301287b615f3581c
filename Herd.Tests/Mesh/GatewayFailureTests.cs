using Grpc.Core;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Mesh;

public sealed class GatewayFailureTests
{
    [Fact]
    public async Task ServingGatewayKilled_ItsStartedJobFailsUnavailable_TheQueuedJobIsServedAfterItsRestart()
    {
        var shortLeases = new Dictionary<string, string> { ["Herd__Gateway__Queue__LeaseDuration"] = "00:00:02" };
        await using var herd = await TestHerd.StartAsync(
            gateways: 2,
            nodes: 1,
            gatewaySettings: shortLeases,
            nodeSettings: new Dictionary<string, string> { ["Herd__Node__Engine__MaxSequences"] = "1" });
        var owner = herd.Gateways[1].Completions;
        var firstToken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = StreamedCompletion.RunAsync(owner, MeshClient.Request("a very long story", 1500), _ => firstToken.TrySetResult());
        await firstToken.Task;
        var queued = StreamedCompletion.RunAsync(owner, MeshClient.Request("across the herd", 4));

        // The gateway the node is linked to dies with a job streaming and one waiting; it comes back on its port.
        var serving = herd.Gateways[0];
        await serving.Process.DisposeAsync();
        herd.Gateways[0] = GatewayProcess.Start("gateway-0", herd.Redis.ConnectionString, shortLeases, serving.GrpcPort);
        serving.Channel.Dispose();

        var failed = await Assert.ThrowsAsync<RpcException>(() => started.WaitAsync(TimeSpan.FromSeconds(60)));
        var served = await queued.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(StatusCode.Unavailable, failed.StatusCode);
        Assert.Contains("went away", failed.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("node-0", served.Done.NodeId);
        Assert.Equal(4, served.Done.Usage.CompletionTokens);
    }

    [Fact]
    public async Task OwnerGatewayKilled_ItsRunningJobIsStoppedOnTheNode()
    {
        // The benchmark engine makes the long job last 30 s: long enough to tell stopping from finishing.
        await using var herd = await TestHerd.StartAsync(
            gateways: 2,
            nodes: 1,
            gatewaySettings: new Dictionary<string, string> { ["Herd__Gateway__Queue__LeaseDuration"] = "00:00:02" },
            nodeSettings: new Dictionary<string, string>
            {
                ["Herd__Node__Engine__MaxSequences"] = "1",
                ["Herd__Node__Engine__SyntheticTokensPerSecond"] = "50",
            });
        var firstToken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var orphan = StreamedCompletion.RunAsync(herd.Gateways[1].Completions, MeshClient.Request("a very long story", 1500), _ => firstToken.TrySetResult());
        await firstToken.Task;

        // The process dies; the client's channel stays, as a real client's would.
        await herd.Gateways[1].Process.DisposeAsync();
        var next = await StreamedCompletion.RunAsync(herd.Gateways[0].Completions, MeshClient.Request("next", 4)).WaitAsync(TimeSpan.FromSeconds(25));

        await Assert.ThrowsAsync<RpcException>(() => orphan);
        Assert.Equal(4, next.Done.Usage.CompletionTokens);
        Assert.True(next.Done.QueueWait.ToTimeSpan() < TimeSpan.FromSeconds(15), $"waited {next.Done.QueueWait.ToTimeSpan()}");
    }
}
