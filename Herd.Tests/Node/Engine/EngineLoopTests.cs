using Herd.Node.Engine;

namespace Herd.Tests.Node.Engine;

public sealed class EngineLoopTests
{
    private static readonly SamplingParameters Greedy = new() { Temperature = 0, MaxTokens = 12 };

    [Fact]
    public async Task GreedyOutput_IsTheSameAloneAndInsideABatchOfSixteen()
    {
        using var model = RandomModel.Create();
        var prompts = Enumerable.Range(0, 16).Select(i => EngineHarness.Prompt(i, 3 + i * 2)).ToArray();

        var alone = new List<Completion>();
        await using (var engine = RandomModel.Engine(model))
        {
            foreach (var prompt in prompts)
            {
                alone.Add(await EngineHarness.CompleteAsync(engine, prompt, Greedy));
            }
        }

        await using var batchEngine = RandomModel.Engine(model, maxSequences: 16, maxBatchedTokens: 40);
        var together = await Task.WhenAll(prompts.Select(prompt => EngineHarness.CompleteAsync(batchEngine, prompt, Greedy)));

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(12, alone[i].Tokens.Count);
            Assert.Equal(alone[i].Tokens, together[i].Tokens);
            Assert.Equal(alone[i].Text, together[i].Text);
            Assert.Equal(FinishReason.Length, together[i].Reason);
        }
    }

    [Fact]
    public async Task MoreRequestsThanSlots_AllComplete_AsSlotsFreeUp()
    {
        using var model = RandomModel.Create();
        await using var engine = RandomModel.Engine(model, maxSequences: 3, maxBatchedTokens: 16);

        var results = await Task.WhenAll(Enumerable.Range(0, 10)
            .Select(i => EngineHarness.CompleteAsync(engine, EngineHarness.Prompt(i, 20), Greedy with { MaxTokens = 4 + i })));

        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(4 + i, results[i].Tokens.Count);
        }
    }

    [Fact]
    public async Task Cancelling_EndsTheSequence_AndItsSlotServesTheNextRequest()
    {
        // A context long enough that the sequence cannot run out of it before the cancellation
        // lands, however fast the steps are.
        using var model = RandomModel.Create(maxPositions: 4096);
        await using var engine = RandomModel.Engine(model, maxSequences: 1, maxBatchedTokens: 16);
        using var cancel = new CancellationTokenSource();
        var endless = Greedy with { MaxTokens = null };

        var received = 0;
        GenerationEvent? last = null;
        await foreach (var generationEvent in engine.GenerateAsync(new GenerationRequest("long", EngineHarness.Prompt(1, 4), endless), cancel.Token))
        {
            last = generationEvent;
            if (generationEvent is GeneratedText && ++received == 3)
            {
                await cancel.CancelAsync();
            }
        }

        var next = await EngineHarness.CompleteAsync(engine, EngineHarness.Prompt(2, 4), Greedy);

        var finished = Assert.IsType<GenerationFinished>(last);
        Assert.Equal(FinishReason.Cancelled, finished.Reason);
        // It stopped before the 4092 tokens the context would have allowed.
        Assert.InRange(finished.CompletionTokens, 3, 4091);
        Assert.Equal(12, next.Tokens.Count);
    }

    [Fact]
    public async Task PromptLongerThanTheContext_IsRefusedWithTheCounts()
    {
        using var model = RandomModel.Create(maxPositions: 32);
        await using var engine = RandomModel.Engine(model);

        var error = Assert.Throws<InvalidRequestException>(() => engine.GenerateAsync(new GenerationRequest("x", EngineHarness.Prompt(0, 32), Greedy)));

        Assert.Contains("32 tokens", error.Message, StringComparison.Ordinal);
        Assert.Contains("at most 31", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generation_StopsAtTheContextLength()
    {
        using var model = RandomModel.Create(maxPositions: 24);
        await using var engine = RandomModel.Engine(model);

        var result = await EngineHarness.CompleteAsync(engine, EngineHarness.Prompt(0, 20), Greedy with { MaxTokens = 100 });

        Assert.Equal(4, result.Tokens.Count);
        Assert.Equal(FinishReason.Length, result.Reason);
    }

    [Theory]
    [InlineData(-1, 0, 1, "temperature")]
    [InlineData(1, -2, 1, "top_k")]
    [InlineData(1, 0, 0, "top_p")]
    public async Task OutOfRangeSampling_IsRefusedNamingTheParameter(float temperature, int topK, float topP, string parameter)
    {
        using var model = RandomModel.Create();
        await using var engine = RandomModel.Engine(model);
        var sampling = new SamplingParameters { Temperature = temperature, TopK = topK, TopP = topP };

        var error = Assert.Throws<InvalidRequestException>(() => engine.GenerateAsync(new GenerationRequest("x", [1, 2], sampling)));

        Assert.StartsWith(parameter, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenOutsideTheVocabulary_IsRefused()
    {
        using var model = RandomModel.Create();
        await using var engine = RandomModel.Engine(model);

        var error = Assert.Throws<InvalidRequestException>(() => engine.GenerateAsync(new GenerationRequest("x", [1, 500], Greedy)));

        Assert.Contains("500", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogitBias_ForcesATokenThroughTheEngine_AndOneOutsideTheVocabularyIsRefused()
    {
        using var model = RandomModel.Create();
        await using var engine = RandomModel.Engine(model);
        var prompt = EngineHarness.Prompt(4, 6);

        var forced = await EngineHarness.CompleteAsync(engine, prompt, Greedy with { LogitBias = new Dictionary<int, float> { [7] = 100f } });
        var error = Assert.Throws<InvalidRequestException>(() =>
            engine.GenerateAsync(new GenerationRequest("x", prompt, Greedy with { LogitBias = new Dictionary<int, float> { [96] = 1f } })));

        Assert.Equal(Enumerable.Repeat(7, 12), forced.Tokens);
        Assert.Contains("token id 96, outside the vocabulary (0 to 95)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeededSampling_IsReproducible_AndDiffersAcrossSeeds()
    {
        using var model = RandomModel.Create();
        await using var engine = RandomModel.Engine(model);
        var sampled = new SamplingParameters { Temperature = 1.5f, TopP = 0.95f, MaxTokens = 16, Seed = 7 };
        var prompt = EngineHarness.Prompt(3, 6);

        var first = await EngineHarness.CompleteAsync(engine, prompt, sampled);
        var again = await EngineHarness.CompleteAsync(engine, prompt, sampled);
        var otherSeed = await EngineHarness.CompleteAsync(engine, prompt, sampled with { Seed = 8 });

        Assert.Equal(first.Tokens, again.Tokens);
        Assert.NotEqual(first.Tokens, otherSeed.Tokens);
    }

    [Fact]
    public async Task StopSequence_CutsTheTextBeforeIt_AndIsNotEmitted()
    {
        using var model = RandomModel.Create();
        await using var engine = RandomModel.Engine(model);
        var prompt = EngineHarness.Prompt(5, 6);
        var free = await EngineHarness.CompleteAsync(engine, prompt, Greedy);
        // Stop at the text of the fourth generated token (as the test decoder writes it).
        var stop = $" {free.Tokens[3]}";
        var expected = free.Text[..free.Text.IndexOf(stop, StringComparison.Ordinal)];

        var stopped = await EngineHarness.CompleteAsync(engine, prompt, Greedy with { Stop = [stop] });

        Assert.Equal(expected, stopped.Text);
        Assert.Equal(FinishReason.Stop, stopped.Reason);
    }

    [Fact]
    public async Task Disposing_WhileSequencesRun_EndsThemWithAnError_AndReturns()
    {
        // A context of 100,000 tokens: this sequence would run for minutes.
        using var model = RandomModel.Create(maxPositions: 100_000);
        var engine = RandomModel.Engine(model, maxSequences: 1, maxBatchedTokens: 16);
        var endless = EngineHarness.CompleteAsync(engine, EngineHarness.Prompt(1, 4), Greedy with { MaxTokens = null });
        await Task.Delay(200);

        await engine.DisposeAsync();
        var result = await endless;

        var failed = Assert.IsType<GenerationFailed>(result.Last);
        Assert.Equal("The engine stopped.", failed.Message);
    }
}
