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
        using (var context = model.PrefillContext(cache, slot: 0, start: 0, length: prefix))
        using (var logits = model.Forward(tensor(Tokens[..prefix]).unsqueeze(0), context, lastTokenOnly: true))
        {
            AssertClose(full[prefix - 1], logits[0, 0]);
        }

        for (var position = prefix; position < Tokens.Length; position++)
        {
            using var context = model.DecodeContext(cache, [position]);
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
            using var context = model.PrefillContext(cache, slot: 2, start, length);
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
            using var context = model.PrefillContext(cache, slot, 0, prompt.Length);
            using var _ = model.Forward(tensor(prompt).unsqueeze(0), context, lastTokenOnly: true);
            // What the next token's logits are when this sequence runs alone (fresh cache, all at once).
            using var soloCache = new KvCache(config, slots: 1, maxLength: 64, float32, CPU);
            long[] extended = [.. prompt, 7];
            using var soloContext = model.PrefillContext(soloCache, 0, 0, extended.Length);
            alone[slot] = model.Forward(tensor(extended).unsqueeze(0), soloContext, lastTokenOnly: true)[0, 0];
        }

        using var batchContext = model.DecodeContext(cache, [.. lengths.Select(length => (long)length)]);
        using var batched = model.Forward(full(new long[] { lengths.Length, 1 }, 7L), batchContext, lastTokenOnly: true);

        for (var slot = 0; slot < lengths.Length; slot++)
        {
            AssertClose(alone[slot], batched[slot, 0]);
        }
    }

    [Fact]
    public void Model_FusesQkvAndGateUp_AndKeepsEveryOtherWeightByName()
    {
        var config = RandomModel.Config(layers: 1);
        using var model = RandomModel.Create(config);

        var shapes = model.named_parameters().ToDictionary(parameter => parameter.name, parameter => parameter.parameter.shape);
        var modules = model.named_modules().ToDictionary(module => module.name, module => module.module);
        // [out, in] of each matrix, whatever form it is stored in.
        long[] Matrix(ProjectionWeight weight) => [weight.OutFeatures, weight.InFeatures];

        // q (4 heads) + k and v (2 heads each), head_dim 8: 64 rows over hidden 32.
        Assert.Equal([64L, 32L], Matrix(((FusedProjection)modules["layers.0.self_attn.qkv_proj"]).Weight));
        Assert.Equal([128L, 32L], Matrix(((FusedProjection)modules["layers.0.mlp.gate_up_proj"]).Weight));
        Assert.Equal([32L, 64L], Matrix(((Projection)modules["layers.0.mlp.down_proj"]).Weight));
        Assert.Contains("layers.0.self_attn.qkv_proj.weight", shapes.Keys);
        Assert.Contains("layers.0.post_attention_layernorm.weight", shapes.Keys);
        Assert.Contains("lm_head", shapes.Keys);
        Assert.Equal(config.NumHiddenLayers * 6 + 3, shapes.Count);
    }

    internal static long[] Prompt(int seed, int length) =>
        [.. Enumerable.Range(0, length).Select(i => (long)((seed * 31 + i * 7 + 3) % 90 + 1))];

    private static Tensor FullLogits(CausalLanguageModel model, ModelConfig config)
    {
        using var cache = new KvCache(config, slots: 1, maxLength: 64, float32, CPU);
        using var context = model.PrefillContext(cache, 0, 0, Tokens.Length);
        return model.Forward(tensor(Tokens).unsqueeze(0), context, lastTokenOnly: false)[0];
    }

    internal static void AssertClose(Tensor expected, Tensor actual)
    {
        var scale = expected.abs().max().item<float>();
        var difference = (expected - actual).abs().max().item<float>();
        Assert.True(difference <= 1e-4 * scale, $"max difference {difference} exceeds 1e-4 of {scale}");
    }
}
