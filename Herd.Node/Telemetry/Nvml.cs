using System.Runtime.InteropServices;

namespace Herd.Node.Telemetry;

/// <summary>
/// The four NVML calls the GPU gauges need, from the driver's libnvidia-ml.so.1. Untested on a
/// GPU in Herd's own test runs (they have none); the signatures follow nvml.h.
/// </summary>
internal static partial class Nvml
{
    private const string Library = "libnvidia-ml.so.1";

    /// <summary>NVML_SUCCESS.</summary>
    public const int Success = 0;

    [LibraryImport(Library, EntryPoint = "nvmlInit_v2")]
    public static partial int Init();

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetHandleByIndex_v2")]
    public static partial int DeviceGetHandleByIndex(uint index, out IntPtr device);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetUtilizationRates")]
    public static partial int DeviceGetUtilizationRates(IntPtr device, out Utilization utilization);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetMemoryInfo")]
    public static partial int DeviceGetMemoryInfo(IntPtr device, out Memory memory);

    /// <summary>nvmlUtilization_t: percentages over the driver's last sample period.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Utilization
    {
        public uint Gpu;
        public uint Memory;
    }

    /// <summary>nvmlMemory_t, in bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Memory
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }
}
