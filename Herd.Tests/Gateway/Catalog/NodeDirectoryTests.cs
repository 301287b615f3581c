using Herd.Contracts.V1;
using Herd.Gateway.Nodes.Catalog;
using Herd.Tests.Fixtures;
using StackExchange.Redis;

namespace Herd.Tests.Gateway.Catalog;

[Collection(WithServers.Name)]
public sealed class NodeDirectoryTests(ServersFixture servers) : IAsyncLifetime
{
    private readonly string _prefix = $"directory-test-{Guid.NewGuid():N}:";
    private readonly SettableClock _clock = new();
    private ConnectionMultiplexer? _redis;

    public async Task InitializeAsync() => _redis = await servers.Redis.ConnectAsync();

    public async Task DisposeAsync() => await _redis!.DisposeAsync();

    [Fact]
    public async Task List_ShowsNodesPublishedByEveryGateway_StaleWhenSilent_ForgottenLater()
    {
        var fromGatewayA = new NodeDirectory(_redis!, _prefix, _clock);
        var fromGatewayB = new NodeDirectory(_redis!, _prefix, _clock);
        await fromGatewayA.PublishAsync(Node("node-1", "gateway-a", NodeHealth.Ready, slots: 4, inUse: 1, "herd-tiny"));
        _clock.Advance(TimeSpan.FromSeconds(8));
        await fromGatewayB.PublishAsync(Node("node-2", "gateway-b", NodeHealth.Ready, slots: 8, inUse: 8, "herd-tiny", "other"));

        var nodes = await fromGatewayB.ListAsync(staleAfter: TimeSpan.FromSeconds(6), forgetAfter: TimeSpan.FromSeconds(30));

        Assert.Equal(["node-1", "node-2"], nodes.Select(node => node.NodeId));
        Assert.Equal(NodeHealth.Stale, nodes[0].Health);
        Assert.Equal(NodeHealth.Ready, nodes[1].Health);
        Assert.Equal("gateway-a", nodes[0].GatewayId);

        _clock.Advance(TimeSpan.FromSeconds(25));
        var later = await fromGatewayA.ListAsync(staleAfter: TimeSpan.FromSeconds(6), forgetAfter: TimeSpan.FromSeconds(30));
        Assert.Equal(["node-2"], later.Select(node => node.NodeId));
        Assert.Equal(NodeHealth.Stale, later[0].Health);
    }

    [Fact]
    public async Task Remove_TakesTheNodeOut()
    {
        var directory = new NodeDirectory(_redis!, _prefix, _clock);
        await directory.PublishAsync(Node("node-x", "gateway-a", NodeHealth.Ready, 2, 0, "herd-tiny"));

        await directory.RemoveAsync("node-x");

        Assert.Empty(await directory.ListAsync(TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Models_CountReadyAndDrainingNodes_FreeSlotsOnlyOnReadyOnes()
    {
        var nodes = new[]
        {
            Node("a", "g", NodeHealth.Ready, slots: 4, inUse: 1, "tiny", "big"),
            Node("b", "g", NodeHealth.Draining, slots: 4, inUse: 2, "tiny"),
            Node("c", "g", NodeHealth.Stale, slots: 4, inUse: 0, "tiny", "gone"),
        };

        var models = NodeDirectory.Models(nodes, new Dictionary<string, long> { ["tiny"] = 5 });

        Assert.Equal(["big", "tiny"], models.Select(model => model.Name));
        var tiny = models[1];
        Assert.Equal(2, tiny.Nodes);
        Assert.Equal(8, tiny.TotalSlots);
        Assert.Equal(3, tiny.FreeSlots);
        Assert.Equal(5, tiny.Queued);
        Assert.Equal(0, models[0].Queued);
    }

    private static NodeSummary Node(string id, string gateway, NodeHealth health, int slots, int inUse, params string[] models)
    {
        var node = new NodeSummary { NodeId = id, GatewayId = gateway, Health = health, Slots = slots, SlotsInUse = inUse, Device = "cpu" };
        node.Models.AddRange(models.Select(model => new ServedModel { Name = model, ContextLength = 2048 }));
        return node;
    }

    /// <summary>A clock the test moves by hand.</summary>
    private sealed class SettableClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
