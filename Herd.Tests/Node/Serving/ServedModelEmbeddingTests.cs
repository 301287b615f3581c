using Herd.Node.Engine;
using Herd.Node.Serving;
using Herd.Tests.Node.Link;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herd.Tests.Node.Serving;

/// <summary>Embeddings through a served herd-tiny: texts tokenized as prompts are, and the benchmark mode's made-up vectors.</summary>
public sealed class ServedModelEmbeddingTests(LinkedNode nodes) : IClassFixture<LinkedNode>
{
    private static readonly string[] Texts = ["The herd moves on", "to the next valley", "The herd moves on"];

    [Fact]
    public async Task EmbedAsync_TokenizesEachTextAsAPromptIsTokenized_AndEmbedsItAsTheEngineDoes()
    {
        await using var served = Load();
        var tokens = Texts.Select(text => served.Tokenizer.Encode(text)).ToArray();

        var result = await served.EmbedAsync("texts", Texts);
        var direct = await served.Engine.EmbedAsync(new EmbeddingRequest("tokens", tokens));

        Assert.Equal(tokens.Sum(text => text.Count), result.PromptTokens);
        Assert.Equal(direct.Vectors, result.Vectors);
        Assert.Equal(served.Config.HiddenSize, result.Vectors[0].Length);
    }

    [Fact]
    public async Task EmbedAsync_RefusesAnEmptyText_ThoughItsTokensWouldHoldTheBeginningOfText()
    {
        await using var served = Load();

        var empty = Assert.Throws<InvalidRequestException>(() => { _ = served.EmbedAsync("empty", ["fine", ""]); });
        var none = Assert.Throws<InvalidRequestException>(() => { _ = served.EmbedAsync("none", []); });

        Assert.Single(served.Tokenizer.Encode(""));
        Assert.StartsWith("texts[1] is empty", empty.Message, StringComparison.Ordinal);
        Assert.Contains("no texts to embed", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmbedAsync_InBenchmarkMode_GivesTheSameMadeUpUnitVectorForTheSameText_AndRefusesWhatTheEngineRefuses()
    {
        await using var served = Load(syntheticTokensPerSecond: 1000);
        var tokens = Texts.Select(text => served.Tokenizer.Encode(text).Count).Sum();

        var result = await served.EmbedAsync("synthetic", Texts);
        var again = await served.EmbedAsync("again", Texts);
        var tooLong = Assert.Throws<InvalidRequestException>(() => { _ = served.EmbedAsync("long", [string.Join(' ', Enumerable.Repeat("valley", 5000))]); });

        Assert.Equal(FinishReason.Stop, result.Reason);
        Assert.Equal(tokens, result.PromptTokens);
        Assert.All(result.Vectors, vector =>
        {
            Assert.Equal(served.Config.HiddenSize, vector.Length);
            Assert.Equal(1.0, Math.Sqrt(vector.Sum(value => (double)value * value)), 5);
        });
        Assert.Equal(result.Vectors[0], result.Vectors[2]);
        Assert.NotEqual(result.Vectors[0], result.Vectors[1]);
        Assert.Equal(result.Vectors, again.Vectors);
        Assert.Contains("this model embeds at most", tooLong.Message, StringComparison.Ordinal);
    }

    private ServedModel Load(double syntheticTokensPerSecond = 0) => ServedModel.Load(
        "herd-tiny",
        nodes.ModelFolder,
        new ServedModelOptions { Device = "cpu", Engine = new EngineOptions { MaxSequences = 1, SyntheticTokensPerSecond = syntheticTokensPerSecond } },
        NullLoggerFactory.Instance);
}
