using Grpc.Core;
using Grpc.Net.Client;
using Herd.Contracts.V1;

namespace Herd.Tests.AppHost;

/// <summary>The whole herd as the app host declares it, run by Aspire under DCP.</summary>
[Collection(OneHerdAtATime.Name)]
public sealed class AppHostTests : IDisposable
{
    private readonly AppHostState _state = new();

    [Fact]
    public async Task Herd_WithTwoGatewaysAndTwoNodes_StreamsACompletionThroughTheGatewayEndpoint()
    {
        await using var herd = await HerdAppHost.StartAsync(_state, ["--Herd:Gateways=2", "--Herd:Nodes=2"]);
        await herd.WaitForHealthyAsync("gateway");
        var nodes = await herd.WaitForNodesAsync(2);
        var key = await _state.AdminKeyAsync(HerdAppHost.StartTimeout);
        using var channel = GrpcChannel.ForAddress(herd.GatewayGrpc);
        var request = new CompletionRequest { Model = "herd-tiny", Prompt = "Hello, herd", Sampling = new SamplingParams { MaxTokens = 6, Temperature = 0 } };
        using var call = new Completions.CompletionsClient(channel).Complete(request, HerdAppHost.Authorization(key));
        var events = new List<CompletionEvent>();
        await foreach (var completionEvent in call.ResponseStream.ReadAllAsync())
        {
            events.Add(completionEvent);
        }

        var withoutKey = await Assert.ThrowsAsync<RpcException>(async () => await new Catalog.CatalogClient(channel).ListModelsAsync(new ListModelsRequest()));
        var prompts = await ExamplePromptsAsync(channel, key);

        Assert.Equal(2, nodes.Count);
        Assert.All(nodes, node => Assert.StartsWith("node-", node.NodeId, StringComparison.Ordinal));
        Assert.NotEqual(nodes[0].NodeId, nodes[1].NodeId);
        Assert.True(events.Any(completionEvent => completionEvent.Delta is not null), "no tokens streamed");
        var done = Assert.Single(events, completionEvent => completionEvent.Done is not null).Done;
        // Greedy, herd-tiny's fixed weights write the same six tokens every time.
        Assert.Equal(FinishReason.Length, done.FinishReason);
        Assert.Equal(6, done.Usage.CompletionTokens);
        Assert.Contains(done.NodeId, nodes.Select(node => node.NodeId));
        Assert.Equal(StatusCode.Unauthenticated, withoutKey.StatusCode);
        Assert.Contains("summarize", prompts);
        Assert.Contains("summary_headline", prompts);
    }

    /// <summary>The ids of the prompts the herd starts with, once the gateways have seeded them (just after the ledger is ready).</summary>
    private static async Task<IReadOnlyList<string>> ExamplePromptsAsync(GrpcChannel channel, string key)
    {
        var client = new Prompts.PromptsClient(channel);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var listed = await client.ListPromptsAsync(new ListPromptsRequest(), HerdAppHost.Authorization(key));
            if (listed.Prompts.Count >= 4 || DateTime.UtcNow > deadline)
            {
                return [.. listed.Prompts.Select(prompt => prompt.Definition.Id)];
            }

            await Task.Delay(200);
        }
    }

    public void Dispose() => _state.Dispose();
}
