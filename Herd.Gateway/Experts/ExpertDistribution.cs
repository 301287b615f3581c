using Herd.Contracts.V1;
using Herd.Gateway.Ledger;
using Herd.Gateway.Nodes.Links;
using Herd.Gateway.Queue;
using StackExchange.Redis;

namespace Herd.Gateway.Experts;

/// <summary>
/// Sends the herd's experts to the nodes: every model's list to a node when it links or loads the
/// model, and a model's list to the nodes linked to any gateway after each change. The gateway
/// that made the change announces it on a Redis channel, on which every gateway, itself included,
/// sends the list to its own nodes; a node keeps the newest list by its revision, whichever
/// gateway it came from and in whatever order they arrive.
/// </summary>
public sealed partial class ExpertDistribution(
    NodeRegistry registry,
    ExpertStore store,
    IConnectionMultiplexer redis,
    string keyPrefix,
    ILogger<ExpertDistribution> logger) : IHostedService
{
    private readonly RedisChannel _changes = RedisChannel.Literal(keyPrefix + "experts:changed");
    private ChannelSubscription? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        registry.Linked += OnLinked;
        registry.ModelsAdded += OnModelsAdded;
        _subscription = ChannelSubscription.Start(redis, _changes, model => SendToLinkedInBackground(model.ToString()), logger);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        registry.Linked -= OnLinked;
        registry.ModelsAdded -= OnModelsAdded;
        if (_subscription is not null)
        {
            await _subscription.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Sends <paramref name="model"/>'s experts to every node of the herd that serves it.</summary>
    public async Task PublishAsync(string model, CancellationToken cancellationToken) =>
        await redis.GetSubscriber().PublishAsync(_changes, model).ConfigureAwait(false);

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

    private void OnLinked(NodeConnection connection) => _ = SendListsAsync(connection, [.. connection.Models.Select(model => model.Name)]);

    private void OnModelsAdded(NodeConnection connection, IReadOnlyList<string> models) => _ = SendListsAsync(connection, models);

    // Redis calls its handlers in order on one thread: the reading and sending happen after it.
    private void SendToLinkedInBackground(string model) => _ = SendToLinkedAsync(model);

    private async Task SendToLinkedAsync(string model)
    {
        try
        {
            var experts = await MessageAsync(model, CancellationToken.None).ConfigureAwait(false);
            foreach (var connection in registry.Connections.Where(connection => connection.Serves(model)))
            {
                await SendAsync(connection, experts).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (LedgerFailures.IsUnreachable(exception))
        {
            LogLedgerUnreachable(logger, "its linked nodes", model, exception);
        }
    }

    private async Task SendListsAsync(NodeConnection connection, IReadOnlyList<string> models)
    {
        foreach (var model in models)
        {
            try
            {
                var experts = await MessageAsync(model, CancellationToken.None).ConfigureAwait(false);
                if (experts.Revision > 0)
                {
                    await SendAsync(connection, experts).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (LedgerFailures.IsUnreachable(exception))
            {
                LogLedgerUnreachable(logger, "node " + connection.NodeId, model, exception);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the experts of {Model} for {Nodes}: the ledger is unreachable; the nodes keep the experts they had until the next change")]
    private static partial void LogLedgerUnreachable(ILogger logger, string nodes, string model, Exception exception);
}
