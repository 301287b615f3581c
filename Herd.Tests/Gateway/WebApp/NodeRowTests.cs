using Google.Protobuf.WellKnownTypes;
using Herd.Contracts.V1;
using Herd.Gateway.WebApp.Data;

namespace Herd.Tests.Gateway.WebApp;

public sealed class NodeRowTests
{
    [Fact]
    public void Models_ShowWhatTheNodeIsLoading_AndForHowLong_OnlyWhileItLoads()
    {
        var node = new NodeSummary { NodeId = "node-0", Models = { new ServedModel { Name = "herd-tiny" }, new ServedModel { Name = "herd-mini" } } };
        var idle = NodeRow.From(node);
        node.Loading = "herd-bench";
        node.LoadingFor = Duration.FromTimeSpan(TimeSpan.FromSeconds(12.4));
        node.LoadingProgress = 0.4;

        var loading = NodeRow.From(node);

        Assert.Equal("herd-tiny, herd-mini", idle.Models);
        Assert.Equal("herd-tiny, herd-mini (loading herd-bench, 40 %, 12 s)", loading.Models);
    }
}
