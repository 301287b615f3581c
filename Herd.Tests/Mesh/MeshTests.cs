using System.Text.Json;
using Grpc.Core;
using Herd.Contracts.V1;

namespace Herd.Tests.Mesh;

public sealed class MeshTests(MeshFixture mesh) : IClassFixture<MeshFixture>
{
    private static readonly string[] Prompts =
    [
        "Once upon a time",
        "The herd of llamas",
        "In the morning the",
        "A quiet river runs",
        "She opened the door and",
        "Numbers: one two three",
        "The gateway relays",
        "Hello",
    ];

    [Fact]
    public async Task SixtyFourConcurrentStreams_OverTwoGateways_EachEqualsTheSameRequestAlone()
    {
        var gateways = mesh.Herd.Gateways;
        // Greedy and seeded-sampling variants of each prompt, every one first served alone.
        var requests = Enumerable.Range(0, 16)
            .Select(i => i < 8 ? MeshClient.Request(Prompts[i], maxTokens: 12) : MeshClient.Request(Prompts[i - 8], maxTokens: 12, temperature: 0.9f, seed: (ulong)i))
            .ToList();
        var alone = new List<StreamedCompletion>();
        foreach (var request in requests)
        {
            alone.Add(await StreamedCompletion.RunAsync(gateways[0].Completions, request));
        }

        var together = await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            StreamedCompletion.RunAsync(gateways[i % 2].Completions, requests[i % requests.Count])));

        for (var i = 0; i < together.Length; i++)
        {
            var expected = alone[i % requests.Count];
            Assert.Equal(expected.TokenIds, together[i].TokenIds);
            Assert.Equal(expected.Text, together[i].Text);
            Assert.Equal(together[i].TokenIds.Count, together[i].Done.Usage.CompletionTokens);
            Assert.StartsWith("node-", together[i].Done.NodeId, StringComparison.Ordinal);
        }

        // Every node served, and both gateways' clients were served by nodes of the other gateway too.
        Assert.Equal(3, together.Select(result => result.Done.NodeId).Distinct().Count());
    }

    [Fact]
    public async Task ANodeJsClient_LoadingTheProtos_GetsTheSameStream_AndTheSameStatusCodes()
    {
        var gateway = mesh.Herd.Gateways[1];
        var expected = await StreamedCompletion.RunAsync(gateway.Completions, MeshClient.Request(Prompts[2], maxTokens: 10));

        var streamed = await NodeJsClient.CompleteAsync(gateway.GrpcPort, "herd-tiny", Prompts[2], 10);
        var missing = await NodeJsClient.CompleteAsync(gateway.GrpcPort, "no-such-model", "hi", 3);

        Assert.Equal(JsonValueKind.Null, streamed.GetProperty("error").ValueKind);
        Assert.Equal(expected.Text, streamed.GetProperty("text").GetString());
        Assert.Equal(expected.TokenIds, streamed.GetProperty("token_ids").EnumerateArray().Select(id => id.GetInt32()));
        var done = streamed.GetProperty("done");
        Assert.Equal("FINISH_REASON_LENGTH", done.GetProperty("finish_reason").GetString());
        Assert.Equal(10, done.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal((int)StatusCode.NotFound, missing.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task IdleHerd_LeavesRedisAlmostAlone()
    {
        // Regression: a dispatcher that woke itself up again popped from Redis thousands of times a second.
        var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(mesh.Herd.Redis.ConnectionString + ",allowAdmin=true");
        await using (redis)
        {
            var server = redis.GetServer(redis.GetEndPoints()[0]);
            var before = await CommandsAsync(server);
            await Task.Delay(TimeSpan.FromSeconds(3));
            var after = await CommandsAsync(server);

            // Polls, heartbeats and leases of 2 gateways and 3 nodes: tens of commands a second, not thousands.
            Assert.True(after - before < 600, $"{after - before} Redis commands in 3 s while idle");
        }

        static async Task<long> CommandsAsync(StackExchange.Redis.IServer server)
        {
            var stats = await server.InfoAsync("stats");
            return long.Parse(stats.SelectMany(group => group).Single(pair => pair.Key == "total_commands_processed").Value, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    [Fact]
    public async Task UnknownModel_IsNotFound_NamingTheServedOnes()
    {
        var request = new CompletionRequest { Model = "no-such-model", Prompt = "hi" };

        var error = await Assert.ThrowsAsync<RpcException>(() => StreamedCompletion.RunAsync(mesh.Herd.Gateways[1].Completions, request));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("herd-tiny", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedRequest_IsInvalidArgument()
    {
        var request = MeshClient.Request("hi", maxTokens: 4);
        request.Sampling.TopP = 2;

        var error = await Assert.ThrowsAsync<RpcException>(() => StreamedCompletion.RunAsync(mesh.Herd.Gateways[0].Completions, request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("top_p", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PromptLongerThanTheContext_IsInvalidArgumentFromTheNode_WithTheCounts()
    {
        var request = MeshClient.Request(string.Join(' ', Enumerable.Repeat("llama", 5000)), maxTokens: 4);

        var error = await Assert.ThrowsAsync<RpcException>(() => StreamedCompletion.RunAsync(mesh.Herd.Gateways[0].Completions, request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Matches(@"\d+", error.Status.Detail);
    }

    [Fact]
    public async Task Catalog_ListsTheModelAndEveryNode_FromEitherGateway()
    {
        foreach (var gateway in mesh.Herd.Gateways)
        {
            var catalog = new Catalog.CatalogClient(gateway.Channel);
            var models = await catalog.ListModelsAsync(new ListModelsRequest());
            var nodes = await catalog.ListNodesAsync(new ListNodesRequest());

            var model = Assert.Single(models.Models);
            Assert.Equal("herd-tiny", model.Name);
            Assert.Equal(3, model.Nodes);
            Assert.True(model.TotalSlots >= 3);
            Assert.Equal(["node-0", "node-1", "node-2"], nodes.Nodes.Select(node => node.NodeId));
            Assert.All(nodes.Nodes, node => Assert.Equal(NodeHealth.Ready, node.Health));
            Assert.Equal(["gateway-0", "gateway-1", "gateway-0"], nodes.Nodes.Select(node => node.GatewayId));
        }
    }

    [Fact]
    public async Task Chat_AnswersTurnAfterTurn_AndACancelStopsOnlyTheAnswer()
    {
        using var call = new Completions.CompletionsClient(mesh.Herd.Gateways[1].Channel).Chat();
        await call.RequestStream.WriteAsync(Turn("Hello there", model: "herd-tiny", maxTokens: 6));
        var first = await ReadAnswerAsync(call.ResponseStream);
        await call.RequestStream.WriteAsync(Turn("Tell me more", model: string.Empty, maxTokens: 6));
        var second = await ReadAnswerAsync(call.ResponseStream);

        await call.RequestStream.WriteAsync(Turn("And a long story", model: string.Empty, maxTokens: 4000));
        Assert.True(await call.ResponseStream.MoveNext());
        await call.RequestStream.WriteAsync(new ChatClientMessage { Cancel = new ChatCancel { Reason = "enough" } });
        var cancelled = await ReadAnswerAsync(call.ResponseStream);
        await call.RequestStream.WriteAsync(Turn("Thanks", model: string.Empty, maxTokens: 3));
        var last = await ReadAnswerAsync(call.ResponseStream);
        await call.RequestStream.CompleteAsync();

        Assert.Equal(FinishReason.Length, first.FinishReason);
        Assert.Equal(6, first.Usage.CompletionTokens);
        // The second turn's prompt holds the first exchange, so it is longer than the first's.
        Assert.True(second.Usage.PromptTokens > first.Usage.PromptTokens + first.Usage.CompletionTokens);
        Assert.Equal(FinishReason.Cancelled, cancelled.FinishReason);
        Assert.Equal(FinishReason.Length, last.FinishReason);
    }

    private static ChatClientMessage Turn(string content, string model, int maxTokens) => new()
    {
        Turn = new ChatTurn
        {
            Model = model,
            Messages = { new ChatMessage { Role = "user", Content = content } },
            Sampling = new SamplingParams { Temperature = 0, MaxTokens = maxTokens },
        },
    };

    private static async Task<CompletionDone> ReadAnswerAsync(IAsyncStreamReader<ChatServerEvent> responses)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await responses.MoveNext(timeout.Token))
        {
            switch (responses.Current.EventCase)
            {
                case ChatServerEvent.EventOneofCase.Done:
                    return responses.Current.Done;
                case ChatServerEvent.EventOneofCase.Failed:
                    throw new InvalidOperationException($"The turn failed: {responses.Current.Failed}");
                default:
                    break;
            }
        }

        throw new InvalidOperationException("The call ended before the answer did.");
    }
}
