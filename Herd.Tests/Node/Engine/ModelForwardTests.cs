using Herd.Node.Engine;
using Herd.Node.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Engine;

public sealed class ModelForwardTests
{
    private static readonly long[] Tokens = [1, 17, 42, 5, 88, 23, 9, 61, 33, 70, 2, 14];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IncrementalDecode_GivesTheLogitsOfAFullRecompute(bool qkvBias)
    {
        using var noGrad = no_grad();
        var config = RandomModel.Config(qkvBias: qkvBias);
        using var model = RandomModel.Create(config);
        var full = FullLogits(model, config);

        using var cache = new KvCache(config, slots: 2, maxLength: 64, float32, CPU);
        const int prefix = 5;
        using (var context = ForwardContext.Prefill(cache, slot: 0, start: 0, length: prefix))
        using (var logits = model.Forward(tensor(Tokens[..prefix]).unsqueeze(0), context, lastTokenOnly: true))
        {
            AssertClose(full[prefix - 1], logits[0, 0]);
        }

        for (var position = prefix; position < Tokens.Length; position++)
        {
            using var context = ForwardContext.Decode(cache, [position]);
            using var logits = model.Forward(tensor(new[] { Tokens[position] }).view(1, 1), context, lastTokenOnly: true);
            AssertClose(full[position], logits[0, 0]);
        }
    }

    [Fact]
    public void ChunkedPrefill_GivesTheLogitsOfOnePrefill()
    {
        using var noGrad = no_grad();
        var config = RandomModel.Config();
        using var model = RandomModel.Create(config);
        var full = FullLogits(model, config);

        using var cache = new KvCache(config, slots: 3, maxLength: 64, float32, CPU);
        var start = 0;
        foreach (var length in new[] { 4, 1, 7 })
        {
            using var context = ForwardContext.Prefill(cache, slot: 2, start, length);
            using var logits = model.Forward(tensor(Tokens[start..(start + length)]).unsqueeze(0), context, lastTokenOnly: false);
            for (var i = 0; i < length; i++)
            {
                AssertClose(full[start + i], logits[0, i]);
            }

            start += length;
        }
    }

    [Fact]
    public void DecodeBatch_OfSequencesAtDifferentLengths_MatchesEachAlone()
    {
        using var noGrad = no_grad();
        var config = RandomModel.Config();
        using var model = RandomModel.Create(config);
        int[] lengths = [3, 9, 6];
        using var cache = new KvCache(config, slots: 4, maxLength: 64, float32, CPU);
        var alone = new Tensor[lengths.Length];
        for (var slot = 0; slot < lengths.Length; slot++)
        {
            var prompt = Prompt(slot, lengths[slot]);
            using var context = ForwardContext.Prefill(cache, slot, 0, prompt.Length);
            using var _ = model.Forward(tensor(prompt).unsqueeze(0), context, lastTokenOnly: true);
            // What the next token's logits are when this sequence runs alone (fresh cache, all at once).
            using var soloCache = new KvCache(config, slots: 1, maxLength: 64, float32, CPU);
            long[] extended = [.. prompt, 7];
            using var soloContext = ForwardContext.Prefill(soloCache, 0, 0, extended.Length);
            alone[slot] = model.Forward(tensor(extended).unsqueeze(0), soloContext, lastTokenOnly: true)[0, 0];
        }

        using var batchContext = ForwardContext.Decode(cache, [.. lengths.Select(length => (long)length)]);
        using var batched = model.Forward(full(new long[] { lengths.Length, 1 }, 7L), batchContext, lastTokenOnly: true);

        for (var slot = 0; slot < lengths.Length; slot++)
        {
            AssertClose(alone[slot], batched[slot, 0]);
        }
    }

    [Fact]
    public void Model_RegistersEveryWeightUnderItsHuggingFaceName()
    {
        var config = RandomModel.Config(layers: 1);
        using var model = RandomModel.Create(config);

        var names = model.named_parameters().Select(parameter => parameter.name).ToHashSet();

        Assert.Contains("layers.0.self_attn.q_proj.weight", names);
        Assert.Contains("layers.0.mlp.down_proj.weight", names);
        Assert.Contains("layers.0.post_attention_layernorm.weight", names);
        Assert.Contains("lm_head", names);
        Assert.Equal(config.NumHiddenLayers * 9 + 3, names.Count);
    }

    internal static long[] Prompt(int seed, int length) =>
        [.. Enumerable.Range(0, length).Select(i => (long)((seed * 31 + i * 7 + 3) % 90 + 1))];

    private static Tensor FullLogits(CausalLanguageModel model, ModelConfig config)
    {
        using var cache = new KvCache(config, slots: 1, maxLength: 64, float32, CPU);
        using var context = ForwardContext.Prefill(cache, 0, 0, Tokens.Length);
        return model.Forward(tensor(Tokens).unsqueeze(0), context, lastTokenOnly: false)[0];
    }

    internal static void AssertClose(Tensor expected, Tensor actual)
    {
        var scale = expected.abs().max().item<float>();
        var difference = (expected - actual).abs().max().item<float>();
        Assert.True(difference <= 1e-4 * scale, $"max difference {difference} exceeds 1e-4 of {scale}");
    }
}
