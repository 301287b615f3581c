using Google.Protobuf.WellKnownTypes;
using Herd.Contracts.V1;
using Herd.Gateway.Configuration;
using Herd.Gateway.Nodes.Links;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Nodes.Catalog;

/// <summary>Publishes the nodes linked to this gateway into the herd-wide <see cref="NodeDirectory"/>.</summary>
public sealed partial class NodeDirectoryPublisher(
    NodeRegistry registry,
    NodeDirectory directory,
    IOptions<GatewayOptions> gatewayOptions,
    ILogger<NodeDirectoryPublisher> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(200);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var published = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            do
            {
                try
                {
                    var linked = registry.Connections.Where(connection => !connection.IsClosed).ToList();
                    foreach (var connection in linked)
                    {
                        await directory.PublishAsync(Summary(connection, gatewayOptions.Value.GatewayId)).ConfigureAwait(false);
                    }

                    foreach (var gone in published.Except(linked.Select(connection => connection.NodeId)).ToList())
                    {
                        await directory.RemoveAsync(gone).ConfigureAwait(false);
                        published.Remove(gone);
                    }

                    published.UnionWith(linked.Select(connection => connection.NodeId));
                }
                catch (RedisException exception)
                {
                    LogPublishFailed(exception);
                }

                // Links and departures show within a moment, not a full period, but a busy node's
                // every finished job does not each cost a write.
                await Task.Delay(MinimumInterval, stoppingToken).ConfigureAwait(false);
                await Task.WhenAny(registry.WaitForCapacityChangeAsync(stoppingToken), Task.Delay(Period - MinimumInterval, stoppingToken)).ConfigureAwait(false);
            }
            while (!stoppingToken.IsCancellationRequested);
        }
        finally
        {
            await WithdrawAsync(published).ConfigureAwait(false);
        }
    }

    private async Task WithdrawAsync(IEnumerable<string> nodeIds)
    {
        try
        {
            foreach (var nodeId in nodeIds)
            {
                await directory.RemoveAsync(nodeId).ConfigureAwait(false);
            }
        }
        catch (RedisException exception)
        {
            // Other gateways will show them stale, then forget them.
            LogPublishFailed(exception);
        }
    }

    public static NodeSummary Summary(NodeConnection connection, string gatewayId)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var heartbeat = connection.LastHeartbeat;
        var summary = new NodeSummary
        {
            NodeId = connection.NodeId,
            Device = connection.Hello.Device,
            Build = connection.Hello.Build,
            Group = connection.Group,
            Slots = connection.Slots,
            // The node's own count (every gateway's jobs), once it has sent a heartbeat.
            SlotsInUse = heartbeat is { } beat ? beat.ActiveSequences + beat.Waiting : connection.SlotsInUse,
            Health = connection.IsDraining ? NodeHealth.Draining : NodeHealth.Ready,
            LastHeartbeat = Timestamp.FromDateTimeOffset(connection.LastSeen),
            GatewayId = gatewayId,
            DecodeTokensPerSecond = heartbeat?.DecodeTokensPerSecond ?? 0,
            MemoryBytes = heartbeat?.MemoryBytes ?? 0,
            Loading = heartbeat?.Loading ?? "",
            LoadingFor = heartbeat?.LoadingFor,
            LoadingProgress = heartbeat?.LoadingProgress ?? 0,
        };
        summary.Models.AddRange(connection.Models);
        summary.Catalog.AddRange(connection.Hello.Catalog);
        return summary;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish this gateway's nodes; retrying")]
    private partial void LogPublishFailed(Exception exception);
}
