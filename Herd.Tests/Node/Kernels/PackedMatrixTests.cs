using System.Runtime.Intrinsics.X86;
using Herd.Node.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Kernels;

public sealed class PackedMatrixTests
{
    [Fact]
    public void NativeKernels_RunWhereverTheCpuHasAvx512OrAvx2_OnTheWidestItHas()
    {
        // The build compiles them wherever g++ is installed (the scripts install it); the CPU
        // decides the rest, unless HERD_NATIVE_KERNELS turns them off or down on purpose.
        var setting = Environment.GetEnvironmentVariable("HERD_NATIVE_KERNELS");
        var widest = Avx512F.IsSupported ? KernelInstructions.Avx512 : Avx2.IsSupported && Fma.IsSupported ? KernelInstructions.Avx2 : KernelInstructions.None;
        var expected = setting == "0" ? KernelInstructions.None : setting == "avx2" && widest != KernelInstructions.None ? KernelInstructions.Avx2 : widest;

        Assert.Equal(expected, NativeKernels.Instructions);
        Assert.Equal(expected != KernelInstructions.None, NativeKernels.IsAvailable);
        Assert.Equal(NativeKernels.IsAvailable, NativeKernels.UnavailableReason is null);
    }

    [Theory]
    [InlineData(1, 64, 64)]
    [InlineData(2, 96, 200)]
    [InlineData(3, 32, 17)]
    [InlineData(7, 130, 72)]
    [InlineData(16, 256, 300)]
    public void MultiplyWith_Avx2_GivesTheAvx512KernelsBits_AndTheReferenceProduct(int rows, int inner, int features)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        if (!NativeKernels.IsAvailable)
        {
            Assert.Throws<ArgumentException>(() => PackedMatrix.Pack(randn(64, 32)));
            return;
        }

        // Ragged shapes: a partial last panel (and half panel), rows past the AVX2 kernel's three at a time.
        var weight = randn(features, inner, generator: manual_seed(rows));
        var bias = randn(features);
        var input = randn(rows, inner);
        var packed = PackedMatrix.Pack(weight);

        var avx2 = PackedMatrix.MultiplyWith(KernelInstructions.Avx2, input, packed, features, bias);
        var avx512 = Avx512F.IsSupported ? PackedMatrix.MultiplyWith(KernelInstructions.Avx512, input, packed, features, bias) : null;

        Assert.NotNull(avx2);
        Assert.True(avx2.allclose(nn.functional.linear(input.to(ScalarType.Float64), weight.to(ScalarType.Float64), bias.to(ScalarType.Float64)).to(ScalarType.Float32), rtol: 1e-5, atol: 1e-5));
        if (avx512 is not null)
        {
            Assert.True(avx2.eq(avx512).all().item<bool>(), "the AVX2 and AVX-512 kernels differ");
        }
    }

    [Fact]
    public void Pack_AnythingButA2DFloat32CpuMatrix_IsRefused()
    {
        using var scope = NewDisposeScope();

        var error = Assert.Throws<ArgumentException>(() => PackedMatrix.Pack(randn(64, 32, dtype: ScalarType.BFloat16)));
        Assert.Contains("float32", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PackedMatrix.Pack(randn(64)));
    }

    [Fact]
    public void Multiply_InputOfTheWrongWidth_IsRefusedWithBothWidths()
    {
        using var scope = NewDisposeScope();
        if (!NativeKernels.IsAvailable)
        {
            Assert.Throws<ArgumentException>(() => PackedMatrix.Pack(randn(64, 32)));
            return;
        }

        var packed = PackedMatrix.Pack(randn(64, 32));

        var error = Assert.Throws<ArgumentException>(() => PackedMatrix.Multiply(randn(2, 31), packed, 64, bias: null));
        Assert.Contains("32 features", error.Message, StringComparison.Ordinal);
        Assert.Contains("31", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Multiply_FromSeveralThreadsAtOnce_GivesEachCallerItsOwnProduct()
    {
        if (!NativeKernels.IsAvailable)
        {
            using var unavailable = NewDisposeScope();
            Assert.Throws<ArgumentException>(() => PackedMatrix.Pack(randn(64, 32)));
            return;
        }

        // Two engines in one process share the kernels' threads; neither may see the other's work.
        var failures = 0;
        Parallel.For(0, 4, worker =>
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var weight = randn(200 + (worker * 64), 96);
            var packed = PackedMatrix.Pack(weight);
            for (var round = 0; round < 50; round++)
            {
                var input = randn(1 + (round % 9), 96);
                using var product = PackedMatrix.Multiply(input, packed, weight.shape[0], bias: null);
                using var expected = nn.functional.linear(input, weight);
                if (!product.allclose(expected, rtol: 1e-4, atol: 1e-4))
                {
                    Interlocked.Increment(ref failures);
                }

                input.Dispose();
            }
        });

        Assert.Equal(0, failures);
    }
}
