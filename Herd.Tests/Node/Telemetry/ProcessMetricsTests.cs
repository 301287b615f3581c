using Herd.Node.Telemetry;

namespace Herd.Tests.Node.Telemetry;

public sealed class ProcessMetricsTests
{
    [Fact]
    public void Gauges_ReportTheWorkingSetAndAFractionOfTheCores()
    {
        using var metrics = new MetricRecorder();
        _ = new ProcessMetrics(metrics.Meters);

        var memory = metrics.Observe("herd.node.process.memory");
        var cpu = metrics.Observe("herd.node.cpu.utilization");

        Assert.True(memory > 0);
        Assert.InRange(cpu, 0, 1);
    }
}
