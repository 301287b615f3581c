using Herd.Node.Kernels;
using Herd.Node.Model;
using Herd.Node.Model.Lora;
using Herd.Tests.Node.Adapters;
using Herd.Tests.Node.Engine;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Kernels;

/// <summary>
/// The native kernel that adds many adapters' updates in one call, against the same updates in
/// libtorch (which the golden tests hold to the merged reference), on shapes that fill no vector or
/// panel evenly.
/// </summary>
public sealed class LoraKernelTests
{
    // Hidden 72, head dim 12 (q 72, k and v 24 columns), intermediate 100: no width is a multiple of 16.
    private static readonly ModelConfig Config = RandomModel.Config(heads: 6, kvHeads: 2) with { HiddenSize = 72, IntermediateSize = 100 };

    public static TheoryData<int, int> Passes => new()
    {
        { 13, 1 }, // a decode step: thirteen sequences, one token each
        { 2, 17 }, // prefill chunks: runs of rows longer than the kernel's blocks
        { 1, 20 }, // one sequence in order: no row list
    };

    [Theory]
    [MemberData(nameof(Passes))]
    public void AddUpdates_OfAdaptersAndBlends_EqualTheUpdatesInLibtorch(int sequences, int tokens)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        NativeKernels.SetThreads(2);
        // Ranks 3, 5 and 8 leave remainders past the kernel's four rows of A at a time; some adapters
        // leave parts of a site alone.
        var matrices = Enumerable.Range(0, 4).Select(i => TestAdapters.Matrices(Config, rank: i switch { 0 => 3, 1 => 5, _ => 8 },
            i % 2 == 0 ? LoraModules.All : [LoraModule.QProj, LoraModule.VProj, LoraModule.DownProj], seed: 40 + i)).ToList();
        var inKernel = matrices.Select((adapter, i) => Build($"kernel-{i}", adapter, differentiable: false)).ToList();
        var inLibtorch = matrices.Select((adapter, i) => Build($"libtorch-{i}", adapter, differentiable: true)).ToList();
        Assert.Equal(NativeKernels.Instructions == KernelInstructions.Avx512, inKernel[0].Site(0, LoraSite.Qkv)!.Kernel is not null);
        Assert.Null(inLibtorch[0].Site(0, LoraSite.Qkv)!.Kernel);

        foreach (var site in Enum.GetValues<LoraSite>())
        {
            var (inputs, outputs) = Widths(site);
            var input = randn(sequences, tokens, inputs);
            var baseOutput = randn(sequences, tokens, outputs);
            var expected = baseOutput.clone();
            var actual = baseOutput.clone();
            using (var batch = LoraBatch.For(Blends(inLibtorch, sequences), tokens, float32, CPU))
            {
                batch!.AddUpdates(1, site, input, expected);
            }

            using (var batch = LoraBatch.For(Blends(inKernel, sequences), tokens, float32, CPU))
            {
                batch!.AddUpdates(1, site, input, actual);
            }

            Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-5), $"{site}: max difference {(actual - expected).abs().max().item<float>()}");
            // The updates change every adapted row: the comparison would fail if none were added.
            Assert.True((actual - baseOutput).abs().max().item<float>() > 1e-3f, $"{site}: no update was added");
        }

        inKernel.Concat(inLibtorch).ToList().ForEach(adapter => adapter.Dispose());
    }

    private static LowRankAdapter Build(string name, Dictionary<(int Layer, LoraModule Module), (Tensor A, Tensor B)> matrices, bool differentiable) =>
        LowRankAdapter.Build(name, Config, matrices.ToDictionary(pair => pair.Key, pair => new LoraMatrices(pair.Value.A, pair.Value.B, 1.5)), differentiable);

    // Each sequence: one adapter, none, a blend of two, or one adapter named twice in its blend.
    private static List<AdapterBlend?> Blends(List<LowRankAdapter> adapters, int sequences) =>
        [.. Enumerable.Range(0, sequences).Select(i => (i % 6) switch
        {
            0 or 1 or 2 => AdapterBlend.Of(adapters[(i + (i / 6)) % adapters.Count]),
            3 => null,
            4 => new AdapterBlend([new WeightedAdapter(adapters[1], 0.4), new WeightedAdapter(adapters[2], 0.6)]),
            _ => new AdapterBlend([new WeightedAdapter(adapters[3], 0.5), new WeightedAdapter(adapters[0], 0.2), new WeightedAdapter(adapters[3], 0.3)]),
        })];

    private static (long In, long Out) Widths(LoraSite site)
    {
        var modules = LoraModules.All.Where(module => module.Site() == site).ToList();
        return (modules[0].Shape(Config).In, modules.Sum(module => module.Shape(Config).Out));
    }
}
