using System.Runtime.InteropServices;
using Herd.Node.Telemetry;

namespace Herd.Tests.Node.Telemetry;

/// <summary>The GPU gauges exist only on CUDA with NVML; anywhere else asking for them is harmless.</summary>
public sealed class GpuMetricsTests
{
    [Fact]
    public void OnTheCpu_NoGpuGaugesAreRegistered()
    {
        using var metrics = new MetricRecorder();

        var gpu = GpuMetrics.TryCreate(metrics.Meters, isCuda: false, deviceIndex: 0, out var reason);

        Assert.Null(gpu);
        Assert.Contains("CUDA", reason, StringComparison.Ordinal);
        Assert.DoesNotContain(metrics.InstrumentNames, name => name.StartsWith("herd.node.gpu.", StringComparison.Ordinal));
    }

    [Fact]
    public void OnCuda_TheGaugesFollowWhetherNvmlLoads()
    {
        using var metrics = new MetricRecorder();
        var nvmlLoads = NativeLibrary.TryLoad("libnvidia-ml.so.1", out var handle);
        if (nvmlLoads)
        {
            NativeLibrary.Free(handle);
        }

        var gpu = GpuMetrics.TryCreate(metrics.Meters, isCuda: true, deviceIndex: 0, out var reason);

        if (!nvmlLoads)
        {
            // Machines without an NVIDIA driver, this project's test machines among them.
            Assert.Null(gpu);
            Assert.Contains("libnvidia-ml.so.1", reason, StringComparison.Ordinal);
            Assert.DoesNotContain(metrics.InstrumentNames, name => name.StartsWith("herd.node.gpu.", StringComparison.Ordinal));
            return;
        }

        Assert.NotNull(gpu);
        Assert.InRange(metrics.Observe("herd.node.gpu.utilization"), 0, 1);
        Assert.True(metrics.Observe("herd.node.gpu.memory.used") > 0);
    }
}
