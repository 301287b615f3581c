using System.Runtime.Intrinsics.X86;
using Herd.Node.Kernels;
using Herd.Node.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Kernels;

/// <summary>The narrower packed formats against an independent rounding of the same weights in libtorch.</summary>
public sealed class PackedFormatTests
{
    [Theory]
    [InlineData(PackedFormat.BF16, 1, 64, 64)]
    [InlineData(PackedFormat.BF16, 7, 96, 200)]
    [InlineData(PackedFormat.BF16, 16, 130, 72)]
    [InlineData(PackedFormat.BF16, 70, 200, 72)]
    [InlineData(PackedFormat.Q8, 1, 64, 64)]
    [InlineData(PackedFormat.Q8, 5, 96, 200)]
    [InlineData(PackedFormat.Q8, 16, 256, 300)]
    [InlineData(PackedFormat.Q8, 67, 160, 130)]
    public void Products_AreThoseOfTheRoundedWeights_OnBothKernels_AndRowsReadThem(PackedFormat format, int rows, int inner, int features)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var weight = randn(features, inner, generator: manual_seed(rows)) * 0.05;
        if (!NativeKernels.IsAvailable)
        {
            Assert.Throws<ArgumentException>(() => PackedMatrix.Pack(weight, format, out _));
            return;
        }

        var bias = randn(features);
        var input = randn(rows, inner);
        var packed = PackedMatrix.Pack(weight, format, out var error);
        var rounded = Rounded(weight, format);

        var avx2 = PackedMatrix.MultiplyWith(KernelInstructions.Avx2, input, packed, features, bias);
        var avx512 = Avx512F.IsSupported ? PackedMatrix.MultiplyWith(KernelInstructions.Avx512, input, packed, features, bias) : null;
        var expected = nn.functional.linear(input.to(ScalarType.Float64), rounded.to(ScalarType.Float64), bias.to(ScalarType.Float64)).to(ScalarType.Float32);

        Assert.NotNull(avx2);
        Assert.True(avx2.allclose(expected, rtol: 1e-5, atol: 1e-5), $"{format}: the product differs from the rounded weights' by {(avx2 - expected).abs().max().item<float>()}");
        if (avx512 is not null)
        {
            Assert.True(avx2.eq(avx512).all().item<bool>(), $"{format}: the AVX2 and AVX-512 kernels differ");
        }

        Assert.True(PackedMatrix.Rows(packed, features, arange(features)).allclose(rounded, rtol: 1e-6, atol: 1e-7), $"{format}: rows read back differ from the rounded weights");
        var expectedError = Math.Sqrt((weight - rounded).square().sum().item<float>() / weight.square().sum().item<float>());
        Assert.Equal(expectedError, error.RelativeRms, expectedError * 1e-3);
        Assert.InRange(error.RelativeRms, 1e-4, format == PackedFormat.BF16 ? 4e-3 : 1.5e-2);
    }

    [Theory]
    [InlineData(PackedFormat.F32)]
    [InlineData(PackedFormat.BF16)]
    [InlineData(PackedFormat.Q8)]
    public void APromptsManyRows_GiveTheBitsOfTheSameRowsAFewAtATime_OnBothKernels(PackedFormat format)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var weight = randn(136, 224, generator: manual_seed(3)) * 0.05;
        if (!NativeKernels.IsAvailable)
        {
            Assert.Throws<ArgumentException>(() => PackedMatrix.Pack(weight, format, out _));
            return;
        }

        // On AVX2 products of 16 rows or more take another path (the panel in chunks held in L1, not streamed per row block).
        var packed = PackedMatrix.Pack(weight, format, out _);
        var bias = randn(136);
        var input = randn(100, 224);
        foreach (var instructions in Avx512F.IsSupported ? new[] { KernelInstructions.Avx2, KernelInstructions.Avx512 } : [KernelInstructions.Avx2])
        {
            var together = PackedMatrix.MultiplyWith(instructions, input, packed, 136, bias)!;
            var fewAtATime = cat(input.split(5).Select(rows => PackedMatrix.MultiplyWith(instructions, rows, packed, 136, bias)!).ToArray());

            Assert.True(together.eq(fewAtATime).all().item<bool>(), $"{format} on {instructions}: 100 rows at once differ from 5 at a time by {(together - fewAtATime).abs().max().item<float>()}");
        }
    }

    [Fact]
    public void Q8_WithInputsThatAreNotWholeBlocks_IsRefused_AndAProjectionKeepsFloat32Panels()
    {
        using var scope = NewDisposeScope();
        var ragged = randn(64, 48);

        Assert.False(PackedMatrix.CanPack(ragged, PackedFormat.Q8));
        var refused = Assert.Throws<ArgumentException>(() => PackedMatrix.Pack(ragged, PackedFormat.Q8, out _));
        Assert.Contains("multiple of 32", refused.Message, StringComparison.Ordinal);

        if (NativeKernels.IsAvailable)
        {
            var projection = ProjectionWeight.Create(randn(64, 48), WeightStorage.PackedInt8);
            Assert.Equal(WeightStorage.Packed, projection.Storage);
            Assert.Equal(0, projection.Error.RelativeRms);
        }
    }

    [Fact]
    public void Rows_OutsideTheMatrix_AreRefused()
    {
        using var scope = NewDisposeScope();
        if (!NativeKernels.IsAvailable)
        {
            Assert.Throws<ArgumentException>(() => PackedMatrix.Pack(randn(70, 64), PackedFormat.Q8, out _));
            return;
        }

        var packed = PackedMatrix.Pack(randn(70, 64), PackedFormat.Q8, out _);

        // The last panel is padded to 128 rows; row 70 is padding, not the matrix.
        Assert.Throws<ArgumentOutOfRangeException>(() => PackedMatrix.Rows(packed, 70, tensor(new long[] { 3, 70 })));
        Assert.Throws<ArgumentOutOfRangeException>(() => PackedMatrix.Rows(packed, 70, tensor(new long[] { -1 })));
    }

    /// <summary>The weights each format stores, rounded by libtorch: bfloat16, or int8 in blocks of 32 inputs with a scale each.</summary>
    private static Tensor Rounded(Tensor weight, PackedFormat format)
    {
        if (format == PackedFormat.BF16)
        {
            return weight.to(ScalarType.BFloat16).to(ScalarType.Float32);
        }

        var (features, inner) = (weight.shape[0], weight.shape[1]);
        var blocks = weight.view(features, inner / 32, 32);
        var scales = blocks.abs().amax([-1], keepdim: true) / 127;
        var values = (blocks / scales).round().clamp(-127, 127);
        return (values * scales).view(features, inner);
    }
}
