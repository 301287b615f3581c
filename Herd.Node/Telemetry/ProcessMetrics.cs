using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Herd.Node.Telemetry;

/// <summary>
/// The node process's memory (working set) and CPU utilisation: process CPU time over wall time
/// over cores since the previous read, so each export reports the interval since the last one.
/// Both read counters the OS keeps; neither touches the engine.
/// </summary>
public sealed class ProcessMetrics
{
    private readonly Lock _lock = new();
    private TimeSpan _lastCpu;
    private long _lastTimestamp;

    public ProcessMetrics(IMeterFactory meters)
    {
        var meter = NodeTelemetry.CreateMeter(meters);
        _lastCpu = Environment.CpuUsage.TotalTime;
        _lastTimestamp = Stopwatch.GetTimestamp();
        meter.CreateObservableGauge("herd.node.process.memory", () => Environment.WorkingSet, "By", "The node process's working set.");
        meter.CreateObservableGauge("herd.node.cpu.utilization", ReadCpuUtilization, "1", "Process CPU time over wall time over cores since the previous read.");
    }

    /// <summary>The fraction of all cores the process used since the previous call (0 to 1).</summary>
    public double ReadCpuUtilization()
    {
        lock (_lock)
        {
            var cpu = Environment.CpuUsage.TotalTime;
            var now = Stopwatch.GetTimestamp();
            var wall = Stopwatch.GetElapsedTime(_lastTimestamp, now);
            var used = cpu - _lastCpu;
            _lastCpu = cpu;
            _lastTimestamp = now;
            return wall <= TimeSpan.Zero ? 0 : Math.Clamp(used / wall / Environment.ProcessorCount, 0, 1);
        }
    }
}
