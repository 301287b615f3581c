using Herd.Contracts.V1;
using Herd.Gateway.Nodes.Demand;
using Herd.Node.Models;
using Herd.Tests.Fixtures;
using Herd.Tests.Mesh;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herd.Tests.Gateway.Nodes;

/// <summary>
/// The demand policy on a real herd: two gateways that both run it (one leads at a time), nodes
/// linked to both whose catalogs hold herd-tiny and two copies of it under other names, and jobs
/// for a model no node serves. A node pinned to herd-tiny is not switched; an unpinned idle node
/// is; when the leading gateway is killed, the other takes over and switches again.
/// </summary>
public sealed class DemandSwitchingTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("herd-demand-").FullName;
    private TestHerd? _herd;

    private TestHerd Herd => _herd ?? throw new InvalidOperationException("The herd has not started.");

    private string ModelB => Path.Combine(_folder, "herd-b");

    private string ModelC => Path.Combine(_folder, "herd-c");

    [Fact]
    public async Task APinnedNodeStays_AnIdleNodeSwitchesToTheWaitingModel_AndAnotherGatewayTakesOverWhenTheLeaderDies()
    {
        // Only node-0, pinned to herd-tiny: the job for B waits, and the policy says why.
        var pinnedNode = StartNode(0);
        await Herd.WaitUntilServedAsync(1);
        var waitingForB = StreamedCompletion.RunAsync(Herd.Gateways[0].Completions, Request(ModelB));
        // (Until node-0 has been idle for IdleFor, the policy says that instead.)
        var blocked = await DecisionAsync(
            decision => decision.Model == ModelB && decision.Outcome == DemandOutcomes.Blocked && decision.Detail.Contains("node-0 is pinned to herd-tiny", StringComparison.Ordinal),
            "the policy reports that node-0 is pinned");
        Assert.Equal(DemandReasons.Unserved, blocked.Reason);
        Assert.False(waitingForB.IsCompleted);
        Assert.Equal([TestHerd.Model], await ModelsOfAsync("node-0"));

        // node-1 is free to go: it switches to B within the policy's time, and the waiting job is served there.
        StartNode(1);
        var servedB = await waitingForB;
        var switchedToB = await DecisionAsync(decision => decision.Model == ModelB && decision.Outcome == DemandOutcomes.Switched, "the policy switches node-1 to B");
        Assert.Equal(3, servedB.TokenIds.Count);
        Assert.Equal(("node-1", TestHerd.Model, DemandReasons.Unserved), (switchedToB.NodeId, switchedToB.From, switchedToB.Reason));
        await Poll.UntilAsync(async () => (await ModelsOfAsync("node-1")).SequenceEqual([ModelB]), "the node directory shows node-1 serving B");
        Assert.Equal([TestHerd.Model], await ModelsOfAsync("node-0"));
        Assert.False(pinnedNode.HasExited);

        // The leader dies without a word; the other gateway claims the lead when its claim runs out, and switches node-1 to C.
        var leader = (await NodesAsync()).DemandLeader;
        var (dead, survivor) = leader == "gateway-0" ? (Herd.Gateways[0], Herd.Gateways[1]) : (Herd.Gateways[1], Herd.Gateways[0]);
        await dead.Process.StopAsync(Posix.SigKill, TimeSpan.FromSeconds(10));
        var servedC = await StreamedCompletion.RunAsync(survivor.Completions, Request(ModelC));
        var nodes = await new Contracts.V1.Catalog.CatalogClient(survivor.Channel).ListNodesAsync(new ListNodesRequest());
        var switchedToC = nodes.DemandDecisions.First(decision => decision.Model == ModelC && decision.Outcome == DemandOutcomes.Switched);

        Assert.True(leader is "gateway-0" or "gateway-1", $"The leader is {leader}.");
        Assert.NotEqual(leader, nodes.DemandLeader);
        Assert.Equal(3, servedC.TokenIds.Count);
        Assert.Equal(("node-1", ModelB, nodes.DemandLeader), (switchedToC.NodeId, switchedToC.From, switchedToC.GatewayId));
    }

    public async Task InitializeAsync()
    {
        var tiny = new ModelLocator(TestHerd.ModelCache, NullLogger<ModelLocator>.Instance).Locate(TestHerd.Model);
        foreach (var copy in new[] { ModelB, ModelC })
        {
            Directory.CreateDirectory(copy);
            foreach (var file in Directory.GetFiles(tiny))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }
        }

        _herd = await TestHerd.StartAsync(
            gateways: 2,
            nodes: 0,
            gatewaySettings: new Dictionary<string, string>
            {
                ["Herd__Gateway__Demand__Enabled"] = "true",
                ["Herd__Gateway__Demand__Interval"] = "00:00:00.300",
                ["Herd__Gateway__Demand__IdleFor"] = "00:00:01",
                ["Herd__Gateway__Demand__WaitThreshold"] = "00:00:02",
                ["Herd__Gateway__Demand__MinTimeBetweenSwitches"] = "00:00:01",
                ["Herd__Gateway__Demand__Pinned__node-0"] = TestHerd.Model,
                ["Herd__Gateway__Queue__MaxWait"] = "00:01:30",
            },
            nodeSettings: new Dictionary<string, string>
            {
                ["Herd__Node__Catalog__0"] = ModelB,
                ["Herd__Node__Catalog__1"] = ModelC,
                ["Herd__Node__Engine__SyntheticTokensPerSecond"] = "200",
            });
    }

    public async Task DisposeAsync()
    {
        if (_herd is not null)
        {
            await _herd.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Node <paramref name="index"/>, linked to both gateways, so it outlives either.</summary>
    private ChildProcess StartNode(int index)
    {
        var node = Herd.StartNode(index, new Dictionary<string, string>
        {
            ["Herd__Node__Gateways__0"] = Herd.Gateways[0].GrpcUrl,
            ["Herd__Node__Gateways__1"] = Herd.Gateways[1].GrpcUrl,
        });
        Herd.Nodes.Add(node);
        return node;
    }

    private static CompletionRequest Request(string model) =>
        new() { Model = model, Prompt = "The herd crosses the river", Sampling = new SamplingParams { Temperature = 0, MaxTokens = 3 } };

    /// <summary>ListNodes on whichever gateway is alive.</summary>
    private async Task<ListNodesResponse> NodesAsync()
    {
        var gateway = Herd.Gateways.First(gateway => !gateway.Process.HasExited);
        return await new Contracts.V1.Catalog.CatalogClient(gateway.Channel).ListNodesAsync(new ListNodesRequest());
    }

    private async Task<List<string>> ModelsOfAsync(string nodeId) =>
        [.. (await NodesAsync()).Nodes.Single(node => node.NodeId == nodeId).Models.Select(model => model.Name)];

    private async Task<DemandDecision> DecisionAsync(Func<DemandDecision, bool> match, string what)
    {
        DemandDecision? found = null;
        await Poll.UntilAsync(async () => (found = (await NodesAsync()).DemandDecisions.FirstOrDefault(match)) is not null, what);
        return found!;
    }
}
