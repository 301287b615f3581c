using System.Diagnostics.Metrics;

namespace Herd.Node.Telemetry;

/// <summary>
/// GPU utilisation and memory in use, read through NVML, registered only when the node computes
/// on CUDA and the driver's NVML library loads and initialises; anywhere else there are no GPU
/// gauges at all rather than gauges that read zero. Untested on a GPU in Herd's own test runs.
/// </summary>
public sealed class GpuMetrics
{
    private readonly IntPtr _device;

    private GpuMetrics(IntPtr device) => _device = device;

    /// <summary>Registers the GPU gauges for CUDA device <paramref name="deviceIndex"/>, or returns null and says why not.</summary>
    public static GpuMetrics? TryCreate(IMeterFactory meters, bool isCuda, int deviceIndex, out string? unavailableReason)
    {
        ArgumentNullException.ThrowIfNull(meters);
        if (!isCuda)
        {
            unavailableReason = "the node does not compute on CUDA";
            return null;
        }

        if (!TryOpen(deviceIndex, out var device, out unavailableReason))
        {
            return null;
        }

        var gpu = new GpuMetrics(device);
        var meter = NodeTelemetry.CreateMeter(meters);
        meter.CreateObservableGauge("herd.node.gpu.utilization", gpu.ReadUtilization, "1", "The fraction of the last sample period the GPU was busy (NVML).");
        meter.CreateObservableGauge("herd.node.gpu.memory.used", gpu.ReadMemoryUsed, "By", "GPU memory in use, by every process on the device (NVML).");
        return gpu;
    }

    private static bool TryOpen(int deviceIndex, out IntPtr device, out string? unavailableReason)
    {
        device = IntPtr.Zero;
        try
        {
            var status = Nvml.Init();
            if (status == Nvml.Success)
            {
                status = Nvml.DeviceGetHandleByIndex((uint)Math.Max(0, deviceIndex), out device);
            }

            unavailableReason = status == Nvml.Success ? null : $"NVML returned error {status}";
            return status == Nvml.Success;
        }
        catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            unavailableReason = $"libnvidia-ml.so.1 could not be loaded ({error.Message})";
            return false;
        }
    }

    // An NVML error while reading (a GPU that fell off the bus) skips that export, never throws into it.
    private IEnumerable<Measurement<double>> ReadUtilization() =>
        Nvml.DeviceGetUtilizationRates(_device, out var utilization) == Nvml.Success ? [new(utilization.Gpu / 100.0)] : [];

    private IEnumerable<Measurement<long>> ReadMemoryUsed() =>
        Nvml.DeviceGetMemoryInfo(_device, out var memory) == Nvml.Success ? [new((long)memory.Used)] : [];
}
