using Herd.Node.Kernels;
using Herd.Node.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Model;

public sealed class ProjectionWeightTests
{
    /// <summary>Every storage this machine can use: packed panels only where the native kernels run.</summary>
    public static TheoryData<WeightStorage> Storages()
    {
        var storages = new TheoryData<WeightStorage> { WeightStorage.Standard, WeightStorage.Transposed };
        if (NativeKernels.IsAvailable)
        {
            storages.Add(WeightStorage.Packed);
        }

        return storages;
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public void Apply_InEveryStorage_IsTheLinearLayerOfTheCheckpointWeight(WeightStorage storage)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        // 300 output features: the last packed panel is partly padding.
        var weight = randn(300, 200);
        var bias = randn(300);
        var stored = ProjectionWeight.Create(weight.clone(), storage);

        Assert.Equal(storage, stored.Storage);
        Assert.Equal(300, stored.OutFeatures);
        // One row (decoding), a few (a small batch, not a multiple of the kernel's row block), many (prefill).
        foreach (var shape in new long[][] { [1, 1, 200], [3, 5, 200], [1, 7, 200], [2, 300, 200] })
        {
            var input = randn(shape);
            Assert.True(stored.Apply(input, bias).allclose(nn.functional.linear(input, weight, bias), rtol: 1e-4, atol: 1e-4), $"with bias, input [{string.Join(", ", shape)}]");
            Assert.True(stored.Apply(input, null).allclose(nn.functional.linear(input, weight), rtol: 1e-4, atol: 1e-4), $"without bias, input [{string.Join(", ", shape)}]");
        }
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public void Rows_InEveryStorage_AreTheCheckpointRows(WeightStorage storage)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var weight = randn(300, 200);
        var stored = ProjectionWeight.Create(weight.clone(), storage);
        var indices = tensor(new long[] { 0, 63, 64, 299, 5, 5 });

        Assert.True(stored.Rows(indices).allclose(weight.index_select(0, indices), rtol: 0, atol: 0));
    }
}
