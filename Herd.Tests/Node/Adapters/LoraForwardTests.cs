using Herd.Node.Engine;
using Herd.Node.Model;
using Herd.Node.Model.Lora;
using Herd.Tests.Node.Engine;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Adapters;

/// <summary>Adapters applied unmerged, row by row, against the same adapters merged into the weights.</summary>
public sealed class LoraForwardTests
{
    private static readonly long[] Tokens = [1, 17, 42, 5, 88, 23, 9, 61, 33, 70, 2, 14];

    [Theory]
    [InlineData(false, 1.5)]
    [InlineData(true, 0.75)]
    public void Adapter_AppliedUnmerged_GivesTheLogitsOfTheMergedWeights(bool qkvBias, double loraScale)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var config = RandomModel.Config(qkvBias: qkvBias);
        var matrices = TestAdapters.Matrices(config, rank: 4, LoraModules.All, seed: 7);
        using var model = RandomModel.Create(config);
        using var merged = new CausalLanguageModel(config, TestAdapters.Merged(RandomModel.Weights(config), [(matrices, loraScale)]), 128, float32, CPU);
        using var adapter = TestAdapters.Build("seven", config, matrices, loraScale);

        var expected = Logits(merged, config, null);
        var actual = Logits(model, config, AdapterBlend.Of(adapter));

        ModelForwardTests.AssertClose(expected, actual);
        // The adapter changes the output: the test would fail if updates were never added.
        Assert.True((Logits(model, config, null) - expected).abs().max().item<float>() > 1e-2f);
    }

    [Fact]
    public void BlendOfTwoAdapters_GivesTheLogitsOfTheWeightedMerge()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var config = RandomModel.Config();
        var attention = TestAdapters.Matrices(config, rank: 4, [LoraModule.QProj, LoraModule.KProj, LoraModule.VProj, LoraModule.OProj], seed: 11);
        var mlp = TestAdapters.Matrices(config, rank: 2, [LoraModule.GateProj, LoraModule.UpProj, LoraModule.DownProj, LoraModule.VProj], seed: 12);
        using var model = RandomModel.Create(config);
        using var merged = new CausalLanguageModel(config, TestAdapters.Merged(RandomModel.Weights(config), [(attention, 0.7 * 2.0), (mlp, 0.3 * 1.0)]), 128, float32, CPU);
        using var first = TestAdapters.Build("attention", config, attention, 2.0);
        using var second = TestAdapters.Build("mlp", config, mlp, 1.0);

        var blend = new AdapterBlend([new WeightedAdapter(first, 0.7), new WeightedAdapter(second, 0.3)]);

        ModelForwardTests.AssertClose(Logits(merged, config, null), Logits(model, config, blend));
    }

    [Fact]
    public void DecodeBatch_OfSixteenSequencesWithEightAdapters_MatchesEachAlone()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var config = RandomModel.Config();
        using var model = RandomModel.Create(config);
        var adapters = Enumerable.Range(0, 8)
            .Select(i => TestAdapters.Build($"expert-{i}", config, TestAdapters.Matrices(config, rank: 2 + (i % 3), i % 2 == 0 ? LoraModules.All : [LoraModule.QProj, LoraModule.VProj], seed: 100 + i), 1.0 + i))
            .ToList();
        // Sequences 0-11 use adapter i % 8, 12 and 13 none, 14 a blend, 15 adapter 3 again.
        var blends = Enumerable.Range(0, 16).Select(i => i switch
        {
            < 12 => AdapterBlend.Of(adapters[i % 8]),
            12 or 13 => null,
            14 => new AdapterBlend([new WeightedAdapter(adapters[1], 0.25), new WeightedAdapter(adapters[6], 0.75)]),
            _ => AdapterBlend.Of(adapters[3]),
        }).ToList();

        using var cache = new KvCache(config, slots: 16, maxLength: 64, float32, CPU);
        var alone = new Tensor[blends.Count];
        var lengths = new long[blends.Count];
        for (var slot = 0; slot < blends.Count; slot++)
        {
            var prompt = ModelForwardTests.Prompt(slot, 3 + (slot % 5));
            lengths[slot] = prompt.Length;
            using (var context = model.PrefillContext(cache, slot, 0, prompt.Length, blends[slot]))
            {
                model.Forward(tensor(prompt).unsqueeze(0), context, lastTokenOnly: true).Dispose();
            }

            using var soloCache = new KvCache(config, slots: 1, maxLength: 64, float32, CPU);
            long[] extended = [.. prompt, 7];
            using var soloContext = model.PrefillContext(soloCache, 0, 0, extended.Length, blends[slot]);
            alone[slot] = model.Forward(tensor(extended).unsqueeze(0), soloContext, lastTokenOnly: true)[0, 0];
        }

        using var batchContext = model.DecodeContext(cache, lengths, blends);
        using var batched = model.Forward(full(new long[] { blends.Count, 1 }, 7L), batchContext, lastTokenOnly: true);

        for (var slot = 0; slot < blends.Count; slot++)
        {
            ModelForwardTests.AssertClose(alone[slot], batched[slot, 0]);
        }

        adapters.ForEach(adapter => adapter.Dispose());
    }

    private static Tensor Logits(CausalLanguageModel model, ModelConfig config, AdapterBlend? adapters)
    {
        using var cache = new KvCache(config, slots: 1, maxLength: 64, float32, CPU);
        using var context = model.PrefillContext(cache, 0, 0, Tokens.Length, adapters);
        return model.Forward(tensor(Tokens).unsqueeze(0), context, lastTokenOnly: false)[0];
    }
}
