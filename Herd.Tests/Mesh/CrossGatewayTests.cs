using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Mesh;

/// <summary>Two gateways, one node linked to the first: every client of the second is served across gateways.</summary>
public sealed class CrossGatewayTests
{
    [Fact]
    public async Task ClientOnAGatewayWithoutNodes_IsServedThroughTheOther_AndItsCancelStopsTheNode()
    {
        await using var herd = await TestHerd.StartAsync(
            gateways: 2,
            nodes: 1,
            nodeSettings: new Dictionary<string, string> { ["Herd__Node__Engine__MaxSequences"] = "1" });
        var far = herd.Gateways[1].Completions;
        var alone = await StreamedCompletion.RunAsync(herd.Gateways[0].Completions, MeshClient.Request("across the herd", 8));

        var across = await StreamedCompletion.RunAsync(far, MeshClient.Request("across the herd", 8));

        // A long job from the far gateway's client holds the only slot until that client cancels.
        using var stop = new CancellationTokenSource();
        var firstToken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = StreamedCompletion.RunAsync(far, MeshClient.Request("a very long story", 1500), _ => firstToken.TrySetResult(), cancellationToken: stop.Token);
        await firstToken.Task;
        var next = StreamedCompletion.RunAsync(herd.Gateways[0].Completions, MeshClient.Request("across the herd", 4));
        await stop.CancelAsync();
        var served = await next.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(alone.TokenIds, across.TokenIds);
        Assert.Equal(alone.Text, across.Text);
        Assert.Equal("node-0", across.Done.NodeId);
        await Assert.ThrowsAsync<RpcException>(() => running);
        Assert.Equal(alone.TokenIds.Take(4), served.TokenIds);
        Assert.True(served.Done.QueueWait.ToTimeSpan() < TimeSpan.FromSeconds(5), $"waited {served.Done.QueueWait.ToTimeSpan()}: the cancel did not reach the node");
    }
}
