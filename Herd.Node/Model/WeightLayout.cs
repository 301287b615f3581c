using System.Collections.Concurrent;
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Model;

/// <summary>
/// How a projection stores its matrix on the CPU. Decoding one token multiplies a vector by every
/// weight matrix, so its speed is the speed at which the BLAS library streams each matrix from
/// memory, and that depends on the matrix's shape: for some shapes the product reads
/// <c>[out, in]</c> rows fastest, for others the transposed <c>[in, out]</c> layout. The layout is
/// chosen once per shape by timing both on this machine.
/// </summary>
public static class WeightLayout
{
    // Enough matrices that each timing streams from memory, not from the caches.
    private const long CalibrationBytes = 96L << 20;
    private const long LargestCalibratedMatrixBytes = 32L << 20;
    private const long SmallestCalibratedMatrixBytes = 1L << 20;

    private static readonly ConcurrentDictionary<(long Out, long In), bool> Decisions = new();

    /// <summary>True when a <c>[out, in]</c> weight should be stored transposed, as <c>[in, out]</c>.</summary>
    public static bool PreferTransposed(long outFeatures, long inFeatures, Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        // GPUs, very large matrices (whose long rows BLAS already streams at full speed) and
        // small ones (which stay in the caches) keep the usual layout.
        var bytes = outFeatures * inFeatures * sizeof(float);
        if (device.type != DeviceType.CPU || bytes > LargestCalibratedMatrixBytes || bytes < SmallestCalibratedMatrixBytes)
        {
            return false;
        }

        return Decisions.GetOrAdd((outFeatures, inFeatures), shape => Calibrate(shape.Out, shape.In));
    }

    private static bool Calibrate(long outFeatures, long inFeatures)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var count = (int)Math.Max(2, CalibrationBytes / (outFeatures * inFeatures * sizeof(float)));
        var standard = Enumerable.Range(0, count).Select(_ => empty(outFeatures, inFeatures).uniform_(-1, 1)).ToList();
        var transposed = standard.Select(matrix => matrix.t().contiguous()).ToList();
        var vector = ones(1, inFeatures);
        var standardTime = double.MaxValue;
        var transposedTime = double.MaxValue;
        for (var round = 0; round < 4; round++)
        {
            standardTime = Math.Min(standardTime, Time(() => standard.ForEach(matrix => nn.functional.linear(vector, matrix).Dispose())));
            transposedTime = Math.Min(transposedTime, Time(() => transposed.ForEach(matrix => vector.matmul(matrix).Dispose())));
        }

        // Only a clear win is worth a layout the rest of the ecosystem does not expect.
        return transposedTime < 0.95 * standardTime;
    }

    private static double Time(Action action)
    {
        var started = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
