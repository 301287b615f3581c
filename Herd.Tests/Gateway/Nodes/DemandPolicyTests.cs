using Herd.Contracts.V1;
using Herd.Gateway.Nodes.Demand;

namespace Herd.Tests.Gateway.Nodes;

/// <summary>The demand policy's decisions, one look at a described herd at a time.</summary>
public sealed class DemandPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static readonly DemandOptions Options = new()
    {
        WaitThreshold = TimeSpan.FromSeconds(30),
        IdleFor = TimeSpan.FromSeconds(10),
        MinTimeBetweenSwitches = TimeSpan.FromMinutes(5),
    };

    [Fact]
    public void AnUnservedModel_GetsTheIdleNodeThatMayLoadIt()
    {
        var plan = Decide([Node("node-a", ["small"], ["small", "large"])], [Demand("large", TimeSpan.FromSeconds(1))]);

        Assert.Equal([new PlannedSwitch("node-a", "small", "large", DemandReasons.Unserved)], plan.Switches);
        Assert.Empty(plan.Blocked);
    }

    [Fact]
    public void AServedModel_GetsAnotherNode_OnlyOnceItsOldestJobWaitedPastTheThreshold()
    {
        NodeSummary[] nodes = [Node("node-a", ["large"], ["large"], slotsInUse: 4), Node("node-b", ["small"], ["small", "large"])];

        var early = Decide(nodes, [Demand("large", TimeSpan.FromSeconds(29))]);
        var late = Decide(nodes, [Demand("large", TimeSpan.FromSeconds(31))]);

        Assert.Empty(early.Switches);
        Assert.Empty(early.Blocked);
        Assert.Equal([new PlannedSwitch("node-b", "small", "large", DemandReasons.Waiting)], late.Switches);
    }

    [Fact]
    public void ANodePinnedToItsModel_IsNeverSwitched()
    {
        var plan = Decide([Node("node-a", ["small"], ["small", "large"])], [Demand("large", TimeSpan.FromMinutes(1))], Options with { Pinned = new Dictionary<string, string> { ["node-a"] = "small" } });

        Assert.Empty(plan.Switches);
        var blocked = Assert.Single(plan.Blocked);
        Assert.Equal("large", blocked.Model);
        Assert.Contains("node-a is pinned to small", blocked.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void APinnedNodeServingAnotherModelToo_GivesUpTheOtherOne()
    {
        var plan = Decide([Node("node-a", ["small", "medium"], ["small", "medium", "large"])], [Demand("large", TimeSpan.FromSeconds(1))], Options with { Pinned = new Dictionary<string, string> { ["node-a"] = "small" } });

        Assert.Equal([new PlannedSwitch("node-a", "medium", "large", DemandReasons.Unserved)], plan.Switches);
    }

    [Fact]
    public void ANode_IsNotTakenFromAModelWhoseJobsWouldHaveNoNodeLeft()
    {
        var alone = Decide([Node("node-a", ["small"], ["small", "large"])], [Demand("large", TimeSpan.FromMinutes(2)), Demand("small", TimeSpan.FromSeconds(1))]);
        var withAnother = Decide(
            [Node("node-a", ["small"], ["small", "large"]), Node("node-b", ["small"], ["small"], slotsInUse: 1)],
            [Demand("large", TimeSpan.FromMinutes(2)), Demand("small", TimeSpan.FromSeconds(1))]);

        Assert.Empty(alone.Switches);
        Assert.Contains("whose waiting jobs would have no node", Assert.Single(alone.Blocked).Detail, StringComparison.Ordinal);
        Assert.Equal([new PlannedSwitch("node-a", "small", "large", DemandReasons.Unserved)], withAnother.Switches);
    }

    [Fact]
    public void TwoNodesOfOneModelWithWaitingJobs_AreNotBothTakenInOneLook()
    {
        var plan = Decide(
            [Node("node-a", ["small"], ["small", "large", "medium"]), Node("node-b", ["small"], ["small", "large", "medium"])],
            [Demand("large", TimeSpan.FromMinutes(2)), Demand("medium", TimeSpan.FromMinutes(1)), Demand("small", TimeSpan.FromSeconds(1))]);

        Assert.Equal([new PlannedSwitch("node-a", "small", "large", DemandReasons.Unserved)], plan.Switches);
        Assert.Equal("medium", Assert.Single(plan.Blocked).Model);
    }

    [Fact]
    public void BusyRecentlyIdleAndRecentlySwitchedNodes_AreLeftAlone_SayingWhy()
    {
        NodeSummary[] nodes =
        [
            Node("node-busy", ["small"], ["small", "large"], slotsInUse: 1),
            Node("node-fresh", ["small"], ["small", "large"]),
            Node("node-switched", ["small"], ["small", "large"]),
        ];
        var idleSince = new Dictionary<string, DateTimeOffset>
        {
            ["node-fresh"] = Now - TimeSpan.FromSeconds(3),
            ["node-switched"] = Now - TimeSpan.FromMinutes(10),
        };
        var lastSwitched = new Dictionary<string, DateTimeOffset> { ["node-switched"] = Now - TimeSpan.FromMinutes(1) };

        var plan = new DemandPolicy(Options).Decide(nodes, [Demand("large", TimeSpan.FromMinutes(1))], idleSince, lastSwitched, new HashSet<string>(), Now);

        Assert.Empty(plan.Switches);
        var detail = Assert.Single(plan.Blocked).Detail;
        Assert.Contains("node-busy is running jobs", detail, StringComparison.Ordinal);
        Assert.Contains("node-fresh has been idle only 3 s of the 10 s required", detail, StringComparison.Ordinal);
        Assert.Contains("node-switched was switched 60 s ago", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AModelANodeIsLoadingAlready_WaitsForIt()
    {
        var loading = Node("node-a", ["small"], ["small", "large"]);
        loading.Loading = "large";

        var plan = Decide([loading, Node("node-b", ["small"], ["small", "large"])], [Demand("large", TimeSpan.FromMinutes(1))]);

        Assert.Empty(plan.Switches);
        Assert.Empty(plan.Blocked);
    }

    [Fact]
    public void TheModelWaitingLongest_ChoosesFirst_AndTheNodeIdleLongestGoes()
    {
        NodeSummary[] nodes = [Node("node-a", ["small"], ["small", "large", "medium"]), Node("node-b", ["small"], ["small", "large", "medium"])];
        var idleSince = new Dictionary<string, DateTimeOffset> { ["node-a"] = Now - TimeSpan.FromMinutes(1), ["node-b"] = Now - TimeSpan.FromMinutes(5) };

        var plan = new DemandPolicy(Options).Decide(nodes, [Demand("medium", TimeSpan.FromSeconds(5)), Demand("large", TimeSpan.FromSeconds(50))], idleSince, new Dictionary<string, DateTimeOffset>(), new HashSet<string>(), Now);

        Assert.Equal([new PlannedSwitch("node-b", "small", "large", DemandReasons.Unserved), new PlannedSwitch("node-a", "small", "medium", DemandReasons.Unserved)], plan.Switches);
    }

    [Fact]
    public void AModelNoNodeMayLoad_IsBlocked_NamingTheCatalog()
    {
        var plan = Decide([Node("node-a", ["small"], ["small"])], [Demand("large", TimeSpan.FromSeconds(1))]);

        Assert.Empty(plan.Switches);
        Assert.Contains("No ready node has large in its catalog", Assert.Single(plan.Blocked).Detail, StringComparison.Ordinal);
    }

    private static DemandPlan Decide(IReadOnlyList<NodeSummary> nodes, IReadOnlyList<ModelDemand> demands, DemandOptions? options = null) =>
        new DemandPolicy(options ?? Options).Decide(
            nodes,
            demands,
            nodes.Where(node => node.SlotsInUse == 0).ToDictionary(node => node.NodeId, _ => Now - TimeSpan.FromMinutes(1)),
            new Dictionary<string, DateTimeOffset>(),
            new HashSet<string>(),
            Now);

    private static ModelDemand Demand(string model, TimeSpan oldestWait) => new(model, 1, oldestWait);

    private static NodeSummary Node(string id, string[] models, string[] catalog, int slotsInUse = 0)
    {
        var summary = new NodeSummary { NodeId = id, Health = NodeHealth.Ready, Slots = 4, SlotsInUse = slotsInUse };
        summary.Models.AddRange(models.Select(model => new ServedModel { Name = model, ContextLength = 2048 }));
        summary.Catalog.AddRange(catalog);
        return summary;
    }
}
