using System.Diagnostics;
using Herd.Node.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Cli.Bench;

/// <summary>
/// How fast this machine streams a large float32 matrix through a matrix-vector product, the
/// operation that bounds batch-1 decoding because it reads the whole matrix once: with libtorch's
/// product, and with Herd's native kernels where they run.
/// </summary>
internal static class BandwidthProbe
{
    private const int Size = 8192;

    /// <returns>Bytes per second, the best of several runs.</returns>
    public static double LibTorchBytesPerSecond(int runs = 10)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var matrix = randn(Size, Size);
        var vector = randn(Size, 1);
        return BytesPerSecond(runs, () => matrix.matmul(vector).Dispose());
    }

    /// <returns>Bytes per second, the best of several runs; null where the kernels do not run.</returns>
    public static double? NativeKernelBytesPerSecond(int runs = 10)
    {
        if (!NativeKernels.IsAvailable)
        {
            return null;
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var packed = PackedMatrix.Pack(randn(Size, Size));
        var vector = randn(1, Size);
        return BytesPerSecond(runs, () => PackedMatrix.Multiply(vector, packed, Size, bias: null).Dispose());
    }

    private static double BytesPerSecond(int runs, Action product)
    {
        var best = double.MaxValue;
        for (var run = 0; run < runs + 2; run++)
        {
            var started = Stopwatch.GetTimestamp();
            product();
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (run >= 2)
            {
                best = Math.Min(best, seconds);
            }
        }

        return (double)Size * Size * sizeof(float) / best;
    }
}
