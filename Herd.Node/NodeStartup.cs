using System.Diagnostics.Metrics;
using Herd.Node.Engine;
using Herd.Node.Telemetry;
using Microsoft.Extensions.Options;

namespace Herd.Node;

/// <summary>Brings up the compute device when the node starts, reports what it found, and starts the gauges that depend on it.</summary>
public sealed partial class NodeStartup(IOptions<NodeOptions> options, IMeterFactory meters, ProcessMetrics processMetrics, ILogger<NodeStartup> logger) : IHostedService
{
    /// <summary>Null where the node has no GPU gauges.</summary>
    public GpuMetrics? GpuMetrics { get; private set; }

    /// <summary>The process gauges, whatever the device; taken here so they exist from the node's start.</summary>
    public ProcessMetrics ProcessMetrics => processMetrics;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var device = ComputeDevice.Select(options.Value.Device, options.Value.Threads);
        LogNodeUp(options.Value.NodeId, device);
        var isCuda = device.Device.type == TorchSharp.DeviceType.CUDA;
        GpuMetrics = GpuMetrics.TryCreate(meters, isCuda, device.Device.index, out var unavailable);
        if (isCuda && GpuMetrics is null)
        {
            LogNoGpuMetrics(unavailable ?? "unknown");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Herd node {NodeId} is up on {Device}")]
    private partial void LogNodeUp(string nodeId, ComputeDevice device);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No GPU metrics: {Reason}")]
    private partial void LogNoGpuMetrics(string reason);
}
