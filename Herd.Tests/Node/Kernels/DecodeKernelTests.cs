using Herd.Node.Engine;
using Herd.Node.Kernels;
using Herd.Node.Model;
using Herd.Tests.Node.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Kernels;

public sealed class DecodeKernelTests
{
    private static readonly int[] Lengths = [3, 9, 6];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DecodeSteps_GiveLibTorchsLogitsAndCache_ForSequencesAtDifferentLengths(bool qkvBias)
    {
        using var noGrad = no_grad();
        var config = RandomModel.Config(qkvBias: qkvBias);
        using var model = RandomModel.Create(config);
        Assert.Equal(NativeKernels.IsAvailable, model.HasDecodeKernel);
        using var kernelCache = Prefilled(model, config);
        using var libTorchCache = Prefilled(model, config);

        for (var step = 0; step < 4; step++)
        {
            long[] positions = [.. Lengths.Select(length => (long)(length + step))];
            using var ids = tensor(positions.Select(position => (position * 13 + 5) % config.VocabSize).ToArray()).view(-1, 1);
            using var kernelLogits = Step(model, kernelCache, ids, positions, useKernel: true);
            using var libTorchLogits = Step(model, libTorchCache, ids, positions, useKernel: false);
            AssertClose(libTorchLogits, kernelLogits, $"logits at step {step}");
        }

        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            AssertClose(libTorchCache.Keys(layer), kernelCache.Keys(layer), $"keys of layer {layer}");
            AssertClose(libTorchCache.Values(layer), kernelCache.Values(layer), $"values of layer {layer}");
        }
    }

    [Fact]
    public void DecodeStep_RefusesTokensOutsideTheVocabulary_AndPositionsOutsideTheCache_WritingNothing()
    {
        using var noGrad = no_grad();
        var config = RandomModel.Config();
        using var model = RandomModel.Create(config);
        using var cache = new KvCache(config, slots: 2, maxLength: 16, float32, CPU);
        if (!model.HasDecodeKernel)
        {
            Assert.False(NativeKernels.IsAvailable);
            return;
        }

        var unknownToken = Assert.Throws<ArgumentOutOfRangeException>(() => Step(model, cache, tensor(new long[] { 3, config.VocabSize }).view(2, 1), [0, 0], useKernel: true));
        Assert.Contains("outside the vocabulary", unknownToken.Message, StringComparison.Ordinal);
        var pastTheCache = Assert.Throws<ArgumentOutOfRangeException>(() => Step(model, cache, tensor(new long[] { 3 }).view(1, 1), [16], useKernel: true));
        Assert.Contains("outside the cache", pastTheCache.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Step(model, cache, tensor(new long[] { -1 }).view(1, 1), [0], useKernel: true));

        Assert.All(cache.AllKeys.Concat(cache.AllValues), tensor => Assert.Equal(0, tensor.count_nonzero().item<long>()));
    }

    private static Tensor Step(CausalLanguageModel model, KvCache cache, Tensor ids, long[] positions, bool useKernel)
    {
        model.UseDecodeKernel = useKernel;
        using var context = model.DecodeContext(cache, positions);
        return model.Forward(ids, context, lastTokenOnly: true);
    }

    private static KvCache Prefilled(CausalLanguageModel model, ModelConfig config)
    {
        var cache = new KvCache(config, slots: 4, maxLength: 64, float32, CPU);
        for (var slot = 0; slot < Lengths.Length; slot++)
        {
            var prompt = ModelForwardTests.Prompt(slot, Lengths[slot]);
            using var context = model.PrefillContext(cache, slot, 0, prompt.Length);
            using var _ = model.Forward(tensor(prompt).unsqueeze(0), context, lastTokenOnly: true);
        }

        return cache;
    }

    // float32 against float32: the two paths add in different orders, nothing more.
    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        var scale = expected.abs().max().item<float>();
        var difference = (expected - actual).abs().max().item<float>();
        Assert.True(difference <= 1e-5 * scale, $"{what}: max difference {difference} exceeds 1e-5 of {scale}");
    }
}
