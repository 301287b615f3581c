using Herd.Node.Engine;
using Microsoft.Extensions.Options;

namespace Herd.Node;

/// <summary>Brings up the compute device when the node starts and reports what it found.</summary>
public sealed partial class NodeStartup(IOptions<NodeOptions> options, ILogger<NodeStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var device = ComputeDevice.Select(options.Value.Device, options.Value.Threads);
        LogNodeUp(options.Value.NodeId, device);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Herd node {NodeId} is up on {Device}")]
    private partial void LogNodeUp(string nodeId, ComputeDevice device);
}
