using System.Runtime.Intrinsics.X86;
using Herd.Node.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Kernels;

public sealed class PackedMatrixTests
{
    [Fact]
    public void NativeKernels_RunWhereverTheCpuHasAvx512()
    {
        // The build compiles them wherever g++ is installed (the scripts install it); the CPU
        // decides the rest, unless HERD_NATIVE_KERNELS=0 turns them off on purpose.
        var turnedOff = Environment.GetEnvironmentVariable("HERD_NATIVE_KERNELS") == "0";

        Assert.Equal(Avx512F.IsSupported && !turnedOff, NativeKernels.IsAvailable);
        Assert.Equal(NativeKernels.IsAvailable, NativeKernels.UnavailableReason is null);
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
