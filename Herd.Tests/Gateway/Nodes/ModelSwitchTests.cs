using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Node.Models;
using Herd.Tests.Fixtures;
using Herd.Tests.Mesh;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herd.Tests.Gateway.Nodes;

/// <summary>
/// A node's models changed through <c>herd.v1.NodeAdmin</c> on a real herd while requests run,
/// called on the gateway the node is not linked to: the node's catalog holds herd-tiny and a copy
/// of it under another name; its benchmark engine answers at 20 tokens/s, so a long answer is
/// still streaming when the switch comes, and its drain timeout is one second.
/// </summary>
public sealed class ModelSwitchTests(ModelSwitchTests.Herd fixture) : IClassFixture<ModelSwitchTests.Herd>
{
    // node-0 links to gateway 0 only.
    private Contracts.V1.NodeAdmin.NodeAdminClient Admin => new(fixture.Started.Gateways[1].Channel);

    [Fact]
    public async Task SwitchModel_WhileAStreamRuns_EndsItUnavailable_LeavesQueuedJobsToAnotherNode_ServesTheNewModel_AndTheCatalogFollows()
    {
        var headers = fixture.Started.KeyHeaders();
        var (from, to) = await CurrentAndOtherAsync(headers);
        using var running = fixture.Started.Gateways[0].Completions.Complete(Request(from, maxTokens: 400), headers);
        Assert.True(await running.ResponseStream.MoveNext());
        // The node's one slot is taken: this job waits in the queue through the switch.
        var queued = StreamedCompletion.RunAsync(fixture.Started.Gateways[0].Completions, Request(from, maxTokens: 3), headers: headers);

        var switched = await Admin.SwitchModelAsync(new SwitchModelRequest { NodeId = "node-0", From = from, To = to }, headers);
        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await running.ResponseStream.MoveNext())
            {
            }
        });
        await Poll.UntilAsync(async () => (await ModelsAsync(headers)).SequenceEqual([to]), "the node directory shows the new model alone");
        var served = await StreamedCompletion.RunAsync(fixture.Started.Gateways[0].Completions, Request(to, maxTokens: 3), headers: headers);
        var stillQueued = !queued.IsCompleted;
        // Another node that serves the old model takes the queued job.
        await using (var other = fixture.Started.StartNode(1, new Dictionary<string, string> { ["Herd__Node__Model"] = from }))
        {
            var queuedServed = await queued;
            Assert.Equal(3, queuedServed.TokenIds.Count);
            Assert.Equal("node-1", queuedServed.Done.NodeId);
        }

        Assert.Equal("node-0", switched.NodeId);
        Assert.Equal([to], switched.Models);
        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        Assert.Contains($"Model {from} was unloaded from this node before the job finished", ended.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(3, served.TokenIds.Count);
        Assert.True(stillQueued, "The queued job for the old model was not left waiting.");
        await Poll.UntilAsync(async () => (await NodesAsync(headers)).Nodes.Count == 1, "the node that came and went has left the directory");
    }

    [Fact]
    public async Task Changes_ThatCannotBeMade_SaySo_AndLeaveTheNodeServingWhatItHad()
    {
        var headers = fixture.Started.KeyHeaders();
        var before = await ModelsAsync(headers);

        var notInCatalog = await Assert.ThrowsAsync<RpcException>(async () => await Admin.LoadModelAsync(new NodeModelRequest { NodeId = "node-0", Model = "herd-nowhere" }, headers));
        var broken = await Assert.ThrowsAsync<RpcException>(async () => await Admin.LoadModelAsync(new NodeModelRequest { NodeId = "node-0", Model = fixture.BrokenModel }, headers));
        var last = await Assert.ThrowsAsync<RpcException>(async () => await Admin.UnloadModelAsync(new NodeModelRequest { NodeId = "node-0", Model = before[0] }, headers));
        var noNode = await Assert.ThrowsAsync<RpcException>(async () => await Admin.LoadModelAsync(new NodeModelRequest { NodeId = "node-9", Model = fixture.SecondModel }, headers));

        Assert.Equal(StatusCode.NotFound, notInCatalog.StatusCode);
        Assert.Contains("herd-nowhere is not in this node's catalog", notInCatalog.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Internal, broken.StatusCode);
        Assert.Contains($"{fixture.BrokenModel} could not be loaded", broken.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, last.StatusCode);
        Assert.Contains("is the only model this node serves", last.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, noNode.StatusCode);
        Assert.Equal(before, await ModelsAsync(headers));
    }

    private static CompletionRequest Request(string model, int maxTokens) =>
        new() { Model = model, Prompt = "The herd crosses the river", Sampling = new SamplingParams { Temperature = 0, MaxTokens = maxTokens } };

    // The tests may run in either order: whichever model the node serves now, and the other one.
    private async Task<(string Current, string Other)> CurrentAndOtherAsync(Metadata headers)
    {
        var current = Assert.Single(await ModelsAsync(headers));
        return (current, current == TestHerd.Model ? fixture.SecondModel : TestHerd.Model);
    }

    private async Task<List<string>> ModelsAsync(Metadata headers) =>
        [.. (await NodesAsync(headers)).Nodes.Single(node => node.NodeId == "node-0").Models.Select(model => model.Name)];

    private async Task<ListNodesResponse> NodesAsync(Metadata headers) =>
        await new Contracts.V1.Catalog.CatalogClient(fixture.Started.Gateways[0].Channel).ListNodesAsync(new ListNodesRequest(), headers);

    /// <summary>The herd: two gateways with access control, one node whose catalog holds herd-tiny, a copy of it, and a folder that is no model.</summary>
    public sealed class Herd : IAsyncLifetime
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("herd-switch-").FullName;
        private TestHerd? _herd;

        internal TestHerd Started => _herd ?? throw new InvalidOperationException("The herd has not started.");

        /// <summary>herd-tiny's files in a folder of their own: served under that folder's path.</summary>
        public string SecondModel => Path.Combine(_folder, "herd-mini");

        public string BrokenModel => Path.Combine(_folder, "not-a-model");

        public async Task InitializeAsync()
        {
            var tiny = new ModelLocator(TestHerd.ModelCache, NullLogger<ModelLocator>.Instance).Locate(TestHerd.Model);
            Directory.CreateDirectory(SecondModel);
            foreach (var file in Directory.GetFiles(tiny))
            {
                File.Copy(file, Path.Combine(SecondModel, Path.GetFileName(file)));
            }

            Directory.CreateDirectory(BrokenModel);
            _herd = await TestHerd.StartAsync(
                gateways: 2,
                nodes: 1,
                nodeSettings: new Dictionary<string, string>
                {
                    ["Herd__Node__Catalog__0"] = SecondModel,
                    ["Herd__Node__Catalog__1"] = BrokenModel,
                    ["Herd__Node__DrainTimeout"] = "00:00:01",
                    ["Herd__Node__Engine__SyntheticTokensPerSecond"] = "20",
                    ["Herd__Node__Engine__MaxSequences"] = "1",
                },
                withAccess: true);
        }

        public async Task DisposeAsync()
        {
            if (_herd is not null)
            {
                await _herd.DisposeAsync();
            }

            Directory.Delete(_folder, recursive: true);
        }
    }
}
