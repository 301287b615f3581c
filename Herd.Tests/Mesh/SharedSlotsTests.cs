using System.Collections.Concurrent;
using Herd.Contracts.V1;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Mesh;

/// <summary>
/// A node linked to two gateways has one count of free slots, whichever gateway gives it jobs:
/// it never holds more jobs than its slots, and the rest wait in the priority queue, where any
/// free node can take them. Its benchmark engine streams each job's tokens on a fixed schedule.
/// </summary>
public sealed class SharedSlotsTests : IAsyncLifetime
{
    private const int Slots = 4;
    private TestHerd? _herd;

    private TestHerd Herd => _herd ?? throw new InvalidOperationException("The herd has not started.");

    public async Task InitializeAsync()
    {
        _herd = await TestHerd.StartAsync(
            gateways: 2,
            nodes: 0,
            nodeSettings: new Dictionary<string, string>
            {
                ["Herd__Node__Engine__MaxSequences"] = Slots.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Herd__Node__Engine__SyntheticTokensPerSecond"] = "40",
            });
        StartNode(0);
        await Herd.WaitUntilServedAsync(1);
    }

    public async Task DisposeAsync() => await Herd.DisposeAsync();

    [Fact]
    public async Task JobsFromBothGateways_FillTheNodesSlotsOnce_TheRestWaitInPriorityOrder_AndANewNodeTakesThemAtOnce()
    {
        // Eight low-priority jobs, alternating gateways: four run, four wait.
        var started = new ConcurrentQueue<string>();
        var low = Enumerable.Range(0, 8).Select(i => Run($"low-{i}", i, priority: 0, maxTokens: 30, started)).ToList();
        await QueuedAsync(8 - Slots);
        // Four urgent ones: they run in the second wave, before the low ones still waiting.
        var high = Enumerable.Range(0, 4).Select(i => Run($"high-{i}", i, priority: 50, maxTokens: 30, started)).ToList();
        await QueuedAsync(12 - Slots);
        await Task.WhenAll(low.Concat(high));

        var order = started.ToList();
        Assert.All(order.Take(4), name => Assert.StartsWith("low-", name, StringComparison.Ordinal));
        Assert.All(order.Skip(4).Take(4), name => Assert.StartsWith("high-", name, StringComparison.Ordinal));
        Assert.All(order.Skip(8), name => Assert.StartsWith("low-", name, StringComparison.Ordinal));

        // The node is busy with long jobs and four more wait; a node that links now takes the four
        // while the long ones still run.
        var finished = new ConcurrentQueue<string>();
        var busy = Enumerable.Range(0, Slots).Select(i => Finished(Run($"long-{i}", i, priority: 0, maxTokens: 600, new ConcurrentQueue<string>()), $"long-{i}", finished)).ToList();
        await Poll.UntilAsync(async () => (await NodesAsync()).Nodes.Single().SlotsInUse == Slots, "node-0 reports all its slots in use");
        var waiting = Enumerable.Range(0, Slots).Select(i => Finished(Run($"waiting-{i}", i, priority: 0, maxTokens: 10, new ConcurrentQueue<string>()), $"waiting-{i}", finished)).ToList();
        await QueuedAsync(Slots);
        StartNode(1);
        var served = await Task.WhenAll(waiting);
        await Task.WhenAll(busy);

        Assert.All(served, completion => Assert.Equal("node-1", completion.Done.NodeId));
        Assert.All(finished.Take(Slots), name => Assert.StartsWith("waiting-", name, StringComparison.Ordinal));
    }

    /// <summary>Node <paramref name="index"/>, linked to both gateways.</summary>
    private void StartNode(int index) => Herd.Nodes.Add(Herd.StartNode(index, new Dictionary<string, string>
    {
        ["Herd__Node__Gateways__0"] = Herd.Gateways[0].GrpcUrl,
        ["Herd__Node__Gateways__1"] = Herd.Gateways[1].GrpcUrl,
    }));

    /// <summary>A job sent to gateway <paramref name="index"/> mod 2; its name joins <paramref name="started"/> at its first token.</summary>
    private Task<StreamedCompletion> Run(string name, int index, int priority, int maxTokens, ConcurrentQueue<string> started)
    {
        var first = 0;
        return StreamedCompletion.RunAsync(
            Herd.Gateways[index % 2].Completions,
            MeshClient.Request(name, maxTokens, priority: priority),
            onDelta: _ =>
            {
                if (Interlocked.Exchange(ref first, 1) == 0)
                {
                    started.Enqueue(name);
                }
            });
    }

    private static async Task<StreamedCompletion> Finished(Task<StreamedCompletion> run, string name, ConcurrentQueue<string> finished)
    {
        var completion = await run;
        finished.Enqueue(name);
        return completion;
    }

    private Task QueuedAsync(long jobs) => Poll.UntilAsync(
        async () => (await new Catalog.CatalogClient(Herd.Gateways[1].Channel).ListModelsAsync(new ListModelsRequest())).Models.Single().Queued == jobs,
        $"{jobs} jobs wait in the queue");

    private async Task<ListNodesResponse> NodesAsync() => await new Catalog.CatalogClient(Herd.Gateways[0].Channel).ListNodesAsync(new ListNodesRequest());
}
