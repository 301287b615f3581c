using Herd.Node.Engine;
using Herd.Node.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Engine;

/// <summary>Embeddings on a small random model: pooling, batching, limits, and living beside generation.</summary>
public sealed class EmbeddingTests
{
    private const float Tolerance = 1e-5f;
    private static readonly SamplingParameters Greedy = new() { Temperature = 0, MaxTokens = 40 };
    private static readonly int[] OneToken = [1];

    [Fact]
    public async Task Embedding_HasTheModelsHiddenSize_AndUnitNorm()
    {
        using var model = RandomModel.Create();
        await using var engine = RandomModel.Engine(model);

        var result = await engine.EmbedAsync(Request(EngineHarness.Prompt(1, 9), EngineHarness.Prompt(2, 1)));

        Assert.Equal(FinishReason.Stop, result.Reason);
        Assert.Equal(2, result.Vectors.Count);
        Assert.All(result.Vectors, vector =>
        {
            Assert.Equal(model.Config.HiddenSize, vector.Length);
            Assert.Equal(1.0, Math.Sqrt(vector.Sum(value => (double)value * value)), 5);
        });
    }

    [Fact]
    public void Text_GivesTheSameVector_AloneAndInOnePassWithTextsOfOtherLengths()
    {
        using var noGrad = no_grad();
        using var model = RandomModel.Create();
        using var cache = new KvCache(model.Config, slots: 1, maxLength: model.MaxPositions, float32, CPU);
        var runner = new ModelRunner(model, cache);
        var text = EngineHarness.Prompt(3, 11);
        int[][] batch = [EngineHarness.Prompt(4, 3), text, EngineHarness.Prompt(5, 40), EngineHarness.Prompt(6, 11), EngineHarness.Prompt(7, 1)];

        var alone = runner.Embed(Texts(text))[0];
        var together = runner.Embed(Texts(batch));

        AssertClose(alone, together[1]);
        for (var i = 0; i < batch.Length; i++)
        {
            AssertClose(runner.Embed(Texts(batch[i]))[0], together[i]);
        }
    }

    [Fact]
    public async Task Text_GivesTheSameVector_AloneAndInsideAJobWhoseTextsSpreadOverSeveralPasses()
    {
        using var model = RandomModel.Create();
        // 40 tokens a pass: the job's five texts cannot run in one.
        await using var engine = RandomModel.Engine(model, maxBatchedTokens: 40);
        var text = EngineHarness.Prompt(3, 11);

        var alone = await engine.EmbedAsync(Request(text));
        var together = await engine.EmbedAsync(Request(EngineHarness.Prompt(4, 30), text, EngineHarness.Prompt(5, 3), EngineHarness.Prompt(6, 25), text));

        AssertClose(alone.Vectors[0], together.Vectors[1]);
        AssertClose(alone.Vectors[0], together.Vectors[4]);
    }

    [Fact]
    public async Task DifferentTexts_GiveDifferentVectors()
    {
        using var model = RandomModel.Create();
        await using var engine = RandomModel.Engine(model);
        int[][] texts = [EngineHarness.Prompt(1, 8), EngineHarness.Prompt(2, 8), EngineHarness.Prompt(1, 9), [.. EngineHarness.Prompt(1, 8).Reverse()]];

        var result = await engine.EmbedAsync(Request(texts));

        for (var i = 0; i < texts.Length; i++)
        {
            for (var j = i + 1; j < texts.Length; j++)
            {
                var cosine = result.Vectors[i].Zip(result.Vectors[j], (a, b) => (double)a * b).Sum();
                Assert.True(cosine < 0.999, $"texts {i} and {j} have cosine {cosine}");
            }
        }
    }

    [Fact]
    public void Embedding_IsTheNormalisedMeanOfTheLastHiddenStatesOverExactlyTheTextsTokens()
    {
        using var noGrad = no_grad();
        var config = RandomModel.Config();
        using var model = RandomModel.Create(config);
        using var cache = new KvCache(config, slots: 1, maxLength: model.MaxPositions, float32, CPU);
        var runner = new ModelRunner(model, cache);
        var text = EngineHarness.Prompt(8, 7);

        // The text's hidden states as a plain prefill computes them: [tokens, hidden].
        var ids = tensor(text.Select(id => (long)id).ToArray()).unsqueeze(0);
        using var context = model.PrefillContext(cache, slot: 0, start: 0, length: text.Length);
        var hidden = model.HiddenStates(ids, context)[0];
        var mean = hidden.mean([0]);
        var expected = (mean / mean.norm()).data<float>().ToArray();
        // Beside a longer text, this one is padded by 13 positions that must not count.
        var embedded = runner.Embed(Texts(text, EngineHarness.Prompt(9, 20)))[0];

        AssertClose(expected, embedded);
        // They are the final norm's output, the states the LM head turns into logits.
        using var logitsContext = model.PrefillContext(cache, slot: 0, start: 0, length: text.Length);
        var logits = model.Forward(ids, logitsContext, lastTokenOnly: false)[0];
        ModelForwardTests.AssertClose(logits, hidden.matmul(RandomModel.Weight("lm_head.weight", config).t()));
    }

    [Fact]
    public async Task PromptTokens_AreTheTokensOfAllTexts()
    {
        using var model = RandomModel.Create();
        await using var engine = RandomModel.Engine(model);

        var result = await engine.EmbedAsync(Request(EngineHarness.Prompt(1, 5), EngineHarness.Prompt(2, 17), EngineHarness.Prompt(3, 1)));

        Assert.Equal(23, result.PromptTokens);
    }

    [Fact]
    public async Task BadInput_IsRefusedWithAMessageNamingTheTextOrTheLimit()
    {
        using var model = RandomModel.Create(maxPositions: 32);
        await using var engine = RandomModel.Engine(model);

        // Refused as it is asked, before anything reaches the engine thread.
        string Refusal(params int[][] texts) => Assert.Throws<InvalidRequestException>(() => { _ = engine.EmbedAsync(Request(texts)); }).Message;

        Assert.Contains("no texts to embed", Refusal(), StringComparison.Ordinal);
        Assert.Contains("texts[1] is empty", Refusal([1, 2], []), StringComparison.Ordinal);
        Assert.Contains("texts[0] has 33 tokens, and this model embeds at most 32 tokens a text", Refusal(EngineHarness.Prompt(1, 33)), StringComparison.Ordinal);
        Assert.Contains("texts[0] has token id 96, outside the vocabulary", Refusal([1, 96]), StringComparison.Ordinal);
        Assert.Contains("2049 texts to embed, and a job embeds at most 2048", Refusal([.. Enumerable.Repeat(OneToken, 2049)]), StringComparison.Ordinal);
        // A text as long as the context fits: nothing is generated after it.
        Assert.Single((await engine.EmbedAsync(Request(EngineHarness.Prompt(1, 32)))).Vectors);
    }

    [Fact]
    public async Task Embeddings_WhileSequencesRun_LeaveTheirGreedyOutputUnchanged_AndTakeNoSlot()
    {
        using var model = RandomModel.Create();
        var prompts = Enumerable.Range(0, 3).Select(i => EngineHarness.Prompt(10 + i, 4 + 3 * i)).ToArray();
        int[][] texts = [EngineHarness.Prompt(20, 30), EngineHarness.Prompt(21, 5), EngineHarness.Prompt(22, 60)];
        var alone = new List<Completion>();
        EmbeddingResult embeddedAlone;
        await using (var engine = RandomModel.Engine(model, maxSequences: 3, maxBatchedTokens: 32))
        {
            foreach (var prompt in prompts)
            {
                alone.Add(await EngineHarness.CompleteAsync(engine, prompt, Greedy));
            }

            embeddedAlone = await engine.EmbedAsync(Request(texts));
        }

        // Three slots, all taken by generation: embeddings still run, beside them.
        await using var shared = RandomModel.Engine(model, maxSequences: 3, maxBatchedTokens: 32);
        var embedded = new List<Task<EmbeddingResult>>();
        var first = GenerateAndEmbedAsync(shared, prompts[0], () =>
        {
            embedded.Add(shared.EmbedAsync(Request(texts)));
            embedded.Add(shared.EmbedAsync(Request(texts[1], texts[0])));
        });
        var others = prompts.Skip(1).Select(prompt => EngineHarness.CompleteAsync(shared, prompt, Greedy));
        var together = await Task.WhenAll([first, .. others]);
        var results = await Task.WhenAll(embedded);

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(alone[i].Tokens, together[i].Tokens);
        }

        for (var i = 0; i < texts.Length; i++)
        {
            AssertClose(embeddedAlone.Vectors[i], results[0].Vectors[i]);
        }

        AssertClose(embeddedAlone.Vectors[0], results[1].Vectors[1]);
        // Every slot serves generation again.
        var after = await Task.WhenAll(prompts.Select(prompt => EngineHarness.CompleteAsync(shared, prompt, Greedy)));
        Assert.Equal(alone.Select(completion => completion.Tokens), after.Select(completion => completion.Tokens));
    }

    [Fact]
    public async Task Cancelling_EndsTheJobWithCancelledAndNoVectors_AndTheEngineServesOn()
    {
        using var model = RandomModel.Create();
        // Two texts a pass: 2048 texts would take over a thousand iterations.
        await using var engine = RandomModel.Engine(model, maxBatchedTokens: 64);
        using var cancel = new CancellationTokenSource();
        var texts = Enumerable.Range(0, EmbeddingRequest.MaxTexts).Select(i => EngineHarness.Prompt(i, 30)).ToArray();

        var running = engine.EmbedAsync(Request(texts), cancel.Token);
        await cancel.CancelAsync();
        var cancelled = await running;
        var next = await engine.EmbedAsync(Request(texts[0]));
        var generated = await EngineHarness.CompleteAsync(engine, EngineHarness.Prompt(1, 4), Greedy);

        Assert.Equal(FinishReason.Cancelled, cancelled.Reason);
        Assert.Empty(cancelled.Vectors);
        Assert.Equal(30 * EmbeddingRequest.MaxTexts, cancelled.PromptTokens);
        Assert.Single(next.Vectors);
        Assert.Equal(40, generated.Tokens.Count);
    }

    [Fact]
    public async Task Disposing_WhileAJobWaits_FailsItWithTheEngineStopped()
    {
        using var model = RandomModel.Create();
        var engine = RandomModel.Engine(model, maxBatchedTokens: 64);
        var texts = Enumerable.Range(0, EmbeddingRequest.MaxTexts).Select(i => EngineHarness.Prompt(i, 30)).ToArray();
        var running = engine.EmbedAsync(Request(texts));

        await engine.DisposeAsync();

        var error = await Assert.ThrowsAsync<EngineUnavailableException>(() => running);
        Assert.Equal("The engine stopped.", error.Message);
    }

    private static async Task<Completion> GenerateAndEmbedAsync(EngineLoop engine, int[] prompt, Action embed)
    {
        var tokens = new List<int>();
        await foreach (var generationEvent in engine.GenerateAsync(new GenerationRequest("generating", prompt, Greedy)))
        {
            if (generationEvent is GeneratedText text)
            {
                tokens.AddRange(text.TokenIds);
                if (tokens.Count == 2)
                {
                    embed();
                }
            }
        }

        return new Completion("", tokens, null);
    }

    private static EmbeddingRequest Request(params int[][] texts) => new(Guid.NewGuid().ToString("N"), texts);

    private static List<EmbeddingText> Texts(params int[][] texts)
    {
        var job = new EmbeddingJob(Request(texts));
        return [.. Enumerable.Range(0, texts.Length).Select(index => new EmbeddingText(job, index))];
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var difference = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(difference <= Tolerance, $"max difference {difference} exceeds {Tolerance}");
    }
}
