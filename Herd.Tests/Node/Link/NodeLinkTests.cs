using System.Text;
using System.Threading.Channels;
using Herd.Contracts.V1;
using Herd.Gateway.Nodes.Links;
using Herd.Node.Engine;
using Herd.Node.Serving;
using Herd.Node.Tokenization;
using Herd.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using ServedModel = Herd.Node.Serving.ServedModel;

namespace Herd.Tests.Node.Link;

/// <summary>A real node process linked to a gateway over real gRPC: serving, cancelling, refusing, reconnecting, draining, dying.</summary>
public sealed class NodeLinkTests(LinkedNode nodes) : IClassFixture<LinkedNode>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Node_LinksWithItsModelAndSlots_AndStreamsTheSameGreedyTextAsTheModelAlone()
    {
        const string prompt = "The herd moves on to the next valley";
        await using var gateway = await GatewayHost.StartAsync();
        await using var node = nodes.Start(gateway.Url, "node-serving");
        var connection = await gateway.WaitForNodeAsync("node-serving", Timeout);

        var messages = await RunAsync(connection, Greedy("job-1", prompt, maxTokens: 12));

        var expected = await GenerateAloneAsync(prompt, maxTokens: 12);
        var finished = messages[^1].Finished;
        Assert.True(connection.Serves("herd-tiny"));
        Assert.Equal(expected.ContextLength, connection.Hello.Models.Single().ContextLength);
        Assert.Equal(LinkedNode.Slots, connection.Slots);
        Assert.Equal("cpu", connection.Hello.Device);
        Assert.Equal(expected.Text, string.Concat(messages.Where(m => m.KindCase == NodeMessage.KindOneofCase.Tokens).Select(m => m.Tokens.Text)));
        Assert.Equal(expected.CompletionTokens, finished.Usage.CompletionTokens);
        Assert.True(finished.Usage.PromptTokens > 0);
        Assert.True(finished.TotalTime.ToTimeSpan() >= finished.TimeToFirstToken.ToTimeSpan());
    }

    [Fact]
    public async Task Cancel_StopsALongJob_AndTheNodeReportsItsSlotFree()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await using var node = nodes.Start(gateway.Url, "node-cancel");
        var connection = await gateway.WaitForNodeAsync("node-cancel", Timeout);
        var job = await connection.AssignAsync(Greedy("job-long", "Hello", maxTokens: 4000), CancellationToken.None);
        await FirstTokensAsync(job);

        await connection.CancelAsync("job-long", "the client went away");
        var rest = await ReadAllAsync(job);

        Assert.Equal(Contracts.V1.FinishReason.Cancelled, rest[^1].Finished.FinishReason);
        Assert.True(rest[^1].Finished.Usage.CompletionTokens < 4000);
        await WaitUntilAsync(() => connection.LastHeartbeat is { ActiveSequences: 0, FreeSlots: LinkedNode.Slots }, "the node reports its slots free");
    }

    [Fact]
    public async Task Assign_WithAPromptLongerThanTheContext_FailsWithInvalidArgument()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await using var node = nodes.Start(gateway.Url, "node-invalid");
        var connection = await gateway.WaitForNodeAsync("node-invalid", Timeout);

        var messages = await RunAsync(connection, Greedy("job-big", string.Join(' ', Enumerable.Repeat("valley", 5000)), maxTokens: 4));

        var failed = Assert.Single(messages).Failed;
        Assert.Equal(3, failed.StatusCode);
        Assert.Contains("tokens in all, prompt and output together", failed.Message, StringComparison.Ordinal);
        Assert.Equal(0, failed.TokensDelivered);
    }

    [Fact]
    public async Task Assign_WithALogitBias_ForcesThatToken_AndOneOutsideTheVocabularyFailsWithInvalidArgument()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await using var node = nodes.Start(gateway.Url, "node-logit-bias");
        var connection = await gateway.WaitForNodeAsync("node-logit-bias", Timeout);
        var forced = Greedy("job-forced", "The herd", maxTokens: 5);
        forced.Sampling.LogitBias.Add(65, 100f);
        var outside = Greedy("job-outside", "The herd", maxTokens: 5);
        outside.Sampling.LogitBias.Add(HerdTinyTokenizer.VocabSize + 1000, -100f);

        var tokens = (await RunAsync(connection, forced)).Where(m => m.KindCase == NodeMessage.KindOneofCase.Tokens).SelectMany(m => m.Tokens.TokenIds);
        var failed = Assert.Single(await RunAsync(connection, outside)).Failed;

        Assert.Equal(Enumerable.Repeat(65, 5), tokens);
        Assert.Equal(3, failed.StatusCode);
        Assert.Contains($"logit_bias names token id {HerdTinyTokenizer.VocabSize + 1000}, outside the vocabulary", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Assign_Embed_AnswersWithJobFinishedAlone_OneUnitVectorPerText_AsTheModelAloneComputesThem()
    {
        string[] texts = ["The herd moves on", "to the next valley, and the one after it", "The herd moves on"];
        await using var gateway = await GatewayHost.StartAsync();
        await using var node = nodes.Start(gateway.Url, "node-embed");
        var connection = await gateway.WaitForNodeAsync("node-embed", Timeout);

        var messages = await RunAsync(connection, Embed("job-embed", texts));

        var (expected, hiddenSize, promptTokens) = await EmbedAloneAsync(texts);
        var finished = Assert.Single(messages).Finished;
        Assert.Equal(Contracts.V1.FinishReason.Stop, finished.FinishReason);
        Assert.Equal(promptTokens, finished.Usage.PromptTokens);
        Assert.Equal(0, finished.Usage.CompletionTokens);
        Assert.Equal(texts.Length, finished.Embeddings.Count);
        for (var i = 0; i < texts.Length; i++)
        {
            var values = finished.Embeddings[i].Values;
            Assert.Equal(hiddenSize, values.Count);
            Assert.Equal(1.0, Math.Sqrt(values.Sum(value => (double)value * value)), 5);
            Assert.All(values.Zip(expected[i]), pair => Assert.Equal(pair.Second, pair.First, 1e-5f));
        }

        Assert.Equal(finished.Embeddings[0].Values, finished.Embeddings[2].Values);
        Assert.NotEqual(finished.Embeddings[0].Values, finished.Embeddings[1].Values);
    }

    [Fact]
    public async Task Assign_Embed_WithAnEmptyTextATextLongerThanTheContextOrTooManyTexts_FailsWithInvalidArgument()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await using var node = nodes.Start(gateway.Url, "node-embed-invalid");
        var connection = await gateway.WaitForNodeAsync("node-embed-invalid", Timeout);

        var empty = await RunAsync(connection, Embed("job-empty", "The herd", ""));
        var tooLong = await RunAsync(connection, Embed("job-long", "The herd", string.Join(' ', Enumerable.Repeat("valley", 5000))));
        var tooMany = await RunAsync(connection, Embed("job-many", [.. Enumerable.Repeat("valley", 2049)]));

        foreach (var (messages, problem) in new[] { (empty, "texts[1] is empty"), (tooLong, "this model embeds at most 2048 tokens a text"), (tooMany, "a job embeds at most 2048") })
        {
            var failed = Assert.Single(messages).Failed;
            Assert.Equal(3, failed.StatusCode);
            Assert.Contains(problem, failed.Message, StringComparison.Ordinal);
            Assert.Equal(0, failed.TokensDelivered);
        }
    }

    [Fact]
    public async Task Cancel_StopsAnEmbeddingJob_WithCancelledAndNoVectors_AndTheNodeServesOn()
    {
        // Enough texts to keep the node busy for a long while.
        var texts = Enumerable.Range(0, 2048).Select(i => $"{i} " + string.Join(' ', Enumerable.Repeat("The herd moves on to the next valley", 20))).ToArray();
        await using var gateway = await GatewayHost.StartAsync();
        await using var node = nodes.Start(gateway.Url, "node-embed-cancel");
        var connection = await gateway.WaitForNodeAsync("node-embed-cancel", Timeout);
        var job = await connection.AssignAsync(Embed("job-embed-long", texts), CancellationToken.None);

        await connection.CancelAsync("job-embed-long", "the client went away");
        var cancelled = Assert.Single(await ReadAllAsync(job)).Finished;
        var next = await RunAsync(connection, Greedy("job-after", "Hello", maxTokens: 3));

        Assert.Equal(Contracts.V1.FinishReason.Cancelled, cancelled.FinishReason);
        Assert.Empty(cancelled.Embeddings);
        Assert.True(cancelled.Usage.PromptTokens > 2048 * 20 * 7);
        Assert.Equal(3, next[^1].Finished.Usage.CompletionTokens);
    }

    [Fact]
    public async Task Node_WithAWrongSecret_IsRefusedAndKeepsRetrying()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await using var node = nodes.Start(gateway.Url, "node-refused", secret: "s3cr3t-the-gateway-does-not-know");

        await node.WaitForOutputAsync(output => Occurrences(output, "refused the link as UNAUTHENTICATED") >= 2, Timeout);

        Assert.Contains("HERD_NODE_SECRET", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", node.Output, StringComparison.Ordinal);
        Assert.Empty(gateway.Registry.Connections);
    }

    [Fact]
    public async Task Node_WhenItsGatewayRestartsOnTheSamePort_LinksAgain()
    {
        var gateway = await GatewayHost.StartAsync();
        var port = gateway.Port;
        await using var node = nodes.Start(gateway.Url, "node-reconnect");
        await gateway.WaitForNodeAsync("node-reconnect", Timeout);
        await node.WaitForOutputAsync(output => output.Contains("Linked to gateway", StringComparison.Ordinal), Timeout);

        await gateway.DisposeAsync();
        await node.WaitForOutputAsync(output => output.Contains("Could not link to gateway", StringComparison.Ordinal), Timeout);
        await using var restarted = await GatewayHost.StartAsync(port);
        var connection = await restarted.WaitForNodeAsync("node-reconnect", Timeout);

        await node.WaitForOutputAsync(output => Occurrences(output, "Linked to gateway") >= 2, Timeout);
        Assert.False(connection.IsClosed);
    }

    [Fact]
    public async Task Node_OnSigtermWhileAJobRuns_FinishesTheJobReportsDrainingAndExitsCleanly()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await using var node = nodes.Start(gateway.Url, "node-drain");
        var connection = await gateway.WaitForNodeAsync("node-drain", Timeout);
        var job = await connection.AssignAsync(Greedy("job-drain", "Hello", maxTokens: 1500), CancellationToken.None);
        await FirstTokensAsync(job);

        var draining = WaitUntilAsync(() => connection.IsDraining, "the node reports draining");
        Posix.Signal(node.Id, Posix.SigTerm);
        var rest = await ReadAllAsync(job);
        await draining;
        var exitCode = await node.WaitForExitAsync(Timeout);

        Assert.NotEqual(Contracts.V1.FinishReason.Cancelled, rest[^1].Finished.FinishReason);
        Assert.Equal(0, exitCode);
        Assert.Contains("Draining", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Node_KilledWhileAJobRuns_FailsTheJobsReaderWithNodeLinkLost()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await using var node = nodes.Start(gateway.Url, "node-killed");
        var connection = await gateway.WaitForNodeAsync("node-killed", Timeout);
        var job = await connection.AssignAsync(Greedy("job-orphan", "Hello", maxTokens: 4000), CancellationToken.None);
        await FirstTokensAsync(job);

        Posix.Signal(node.Id, 9);
        var lost = await Assert.ThrowsAsync<NodeLinkLostException>(() => ReadAllAsync(job));

        Assert.Equal("node-killed", lost.NodeId);
        Assert.Equal("job-orphan", lost.JobId);
        await connection.Closed.WaitAsync(Timeout);
    }

    private static Assign Greedy(string jobId, string prompt, int maxTokens) => new()
    {
        JobId = jobId,
        Model = "herd-tiny",
        Prompt = prompt,
        Sampling = new SamplingParams { Temperature = 0, MaxTokens = maxTokens },
    };

    private static Assign Embed(string jobId, params string[] texts) => new()
    {
        JobId = jobId,
        Model = "herd-tiny",
        Embed = new EmbedInput { Texts = { texts } },
    };

    private static async Task<List<NodeMessage>> RunAsync(NodeConnection connection, Assign assign)
    {
        Assert.True(connection.TryReserveSlot());
        try
        {
            return await ReadAllAsync(await connection.AssignAsync(assign, CancellationToken.None));
        }
        finally
        {
            connection.ReleaseSlot();
        }
    }

    private static async Task<List<NodeMessage>> ReadAllAsync(ChannelReader<NodeMessage> reader)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var messages = new List<NodeMessage>();
        await foreach (var message in reader.ReadAllAsync(timeout.Token))
        {
            messages.Add(message);
        }

        return messages;
    }

    private static async Task FirstTokensAsync(ChannelReader<NodeMessage> reader)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var first = await reader.ReadAsync(timeout.Token);
        Assert.Equal(NodeMessage.KindOneofCase.Tokens, first.KindCase);
    }

    private async Task<(string Text, int CompletionTokens, int ContextLength)> GenerateAloneAsync(string prompt, int maxTokens)
    {
        await using var served = ServedModel.Load("herd-tiny", nodes.ModelFolder, new ServedModelOptions { Device = "cpu", Engine = new EngineOptions { MaxSequences = 1 } }, NullLoggerFactory.Instance);
        var text = new StringBuilder();
        var completion = 0;
        await foreach (var generationEvent in served.GenerateAsync("alone", PromptInput.FromText(prompt), new SamplingParameters { Temperature = 0, MaxTokens = maxTokens }))
        {
            text.Append((generationEvent as GeneratedText)?.Text);
            completion = (generationEvent as GenerationFinished)?.CompletionTokens ?? completion;
        }

        return (text.ToString(), completion, served.Engine.ContextLength);
    }

    private async Task<(IReadOnlyList<float[]> Vectors, int HiddenSize, int PromptTokens)> EmbedAloneAsync(string[] texts)
    {
        await using var served = ServedModel.Load("herd-tiny", nodes.ModelFolder, new ServedModelOptions { Device = "cpu", Engine = new EngineOptions { MaxSequences = 1 } }, NullLoggerFactory.Instance);
        var result = await served.EmbedAsync("alone", texts);
        return (result.Vectors, served.Config.HiddenSize, result.PromptTokens);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not seen within {Timeout}: {what}.");
            }

            await Task.Delay(20);
        }
    }

    private static int Occurrences(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
