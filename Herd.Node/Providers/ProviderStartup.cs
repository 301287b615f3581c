using Herd.Node.Telemetry;
using Microsoft.Extensions.Options;

namespace Herd.Node.Providers;

/// <summary>
/// A provider node's start: it has no compute device to bring up (what <see cref="NodeStartup"/>
/// does for a node that runs models), so it says what it serves and from where, and starts the
/// process gauges.
/// </summary>
public sealed partial class ProviderStartup(IOptions<NodeOptions> node, IOptions<ProviderOptions> provider, ProcessMetrics processMetrics, ILogger<ProviderStartup> logger) : IHostedService
{
    /// <summary>The process gauges, taken here so they exist from the node's start.</summary>
    public ProcessMetrics ProcessMetrics => processMetrics;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogNodeUp(node.Value.NodeId, provider.Value.BaseUrl, provider.Value.Models.Keys);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Herd node {NodeId} is up; it serves {Models} from the provider at {BaseUrl}")]
    private partial void LogNodeUp(string nodeId, Uri? baseUrl, IEnumerable<string> models);
}
