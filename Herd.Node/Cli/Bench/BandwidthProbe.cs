using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Cli.Bench;

/// <summary>
/// What libtorch reaches on this machine for the operation that bounds batch-1 decoding: a
/// large float32 matrix-vector product, which reads the whole matrix once.
/// </summary>
internal static class BandwidthProbe
{
    /// <returns>Bytes per second, the best of several runs.</returns>
    public static double MatrixVectorBytesPerSecond(int size = 8192, int runs = 10)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var matrix = randn(size, size);
        var vector = randn(size, 1);
        var best = double.MaxValue;
        for (var run = 0; run < runs + 2; run++)
        {
            var started = Stopwatch.GetTimestamp();
            matrix.matmul(vector).Dispose();
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (run >= 2)
            {
                best = Math.Min(best, seconds);
            }
        }

        return (double)size * size * sizeof(float) / best;
    }
}
