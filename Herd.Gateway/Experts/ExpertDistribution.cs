using Herd.Contracts.V1;
using Herd.Gateway.Ledger;
using Herd.Gateway.Nodes.Links;

namespace Herd.Gateway.Experts;

/// <summary>
/// Sends the herd's experts to the nodes: every model's list to a node when it links, and a
/// model's list to its linked nodes after each change. Nodes link to every gateway, so the gateway
/// that made a change reaches them all; a node keeps the newest list by its revision, whichever
/// gateway it came from.
/// </summary>
public sealed partial class ExpertDistribution(NodeRegistry registry, ExpertStore store, ILogger<ExpertDistribution> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        registry.Linked += OnLinked;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        registry.Linked -= OnLinked;
        return Task.CompletedTask;
    }

    /// <summary>Sends <paramref name="model"/>'s experts to every linked node that serves it.</summary>
    public async Task PublishAsync(string model, CancellationToken cancellationToken)
    {
        var experts = await MessageAsync(model, cancellationToken).ConfigureAwait(false);
        foreach (var connection in registry.Connections.Where(connection => connection.Serves(model)))
        {
            await SendAsync(connection, experts).ConfigureAwait(false);
        }
    }

    /// <summary>The stored expert as the wire describes one.</summary>
    public static ExpertSpec Spec(ExpertRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var expert = new ExpertSpec { Name = record.Name, Adapter = record.Adapter, CentroidEmbedding = record.CentroidEmbedding };
        expert.Samples.AddRange(record.Samples);
        expert.Centroid.AddRange(record.Centroid);
        return expert;
    }

    private async Task<HerdExperts> MessageAsync(string model, CancellationToken cancellationToken)
    {
        var (revision, records) = await store.ForModelAsync(model, cancellationToken).ConfigureAwait(false);
        return new HerdExperts { Model = model, Revision = revision, Experts = { records.Select(Spec) } };
    }

    private void OnLinked(NodeConnection connection) => _ = SendAllAsync(connection);

    private async Task SendAllAsync(NodeConnection connection)
    {
        foreach (var served in connection.Hello.Models)
        {
            try
            {
                var experts = await MessageAsync(served.Name, CancellationToken.None).ConfigureAwait(false);
                if (experts.Revision > 0)
                {
                    await SendAsync(connection, experts).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (LedgerFailures.IsUnreachable(exception))
            {
                LogLedgerUnreachable(logger, connection.NodeId, served.Name, exception);
            }
        }
    }

    private async Task SendAsync(NodeConnection connection, HerdExperts experts)
    {
        try
        {
            await connection.SendExpertsAsync(experts).ConfigureAwait(false);
            LogSent(logger, experts.Experts.Count, experts.Model, connection.NodeId, experts.Revision);
        }
        catch (NodeLinkLostException)
        {
            // The node will have the list when it links again.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sent {Count} experts of {Model} to node {NodeId} (revision {Revision})")]
    private static partial void LogSent(ILogger logger, int count, string model, string nodeId, long revision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the experts of {Model} for node {NodeId}: the ledger is unreachable; the node routes among its own experts until the next change")]
    private static partial void LogLedgerUnreachable(ILogger logger, string nodeId, string model, Exception exception);
}
