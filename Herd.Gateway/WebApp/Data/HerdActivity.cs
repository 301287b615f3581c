using Herd.Contracts.V1;
using Herd.Gateway.Ledger;
using Herd.Gateway.Ledger.Queries;
using Herd.Gateway.Nodes.Catalog;
using Herd.Gateway.Nodes.Demand;
using Herd.Gateway.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Herd.Gateway.WebApp.Data;

/// <summary>
/// Reads what the Nodes and Queue tabs show from what the gateway already keeps: the node
/// directory, the demand policy's journal, the queue and the ledger. It decides nothing about who may see what; the pages ask
/// the key check first.
/// </summary>
public sealed class HerdActivity(
    ModelCatalog catalog,
    JobQueue queue,
    IDbContextFactory<LedgerDbContext> ledgers,
    DemandJournal demandJournal,
    DemandLeadership demandLeadership,
    IOptions<DemandOptions> demandOptions)
{
    /// <summary>How many of the demand policy's latest decisions the Nodes tab lists.</summary>
    public const int DemandDecisions = 20;

    /// <summary>How many of the newest requests the Queue tab lists.</summary>
    public const int RecentRequests = 50;

    public async Task<IReadOnlyList<NodeRow>> NodesAsync()
    {
        var nodes = await catalog.NodesAsync().ConfigureAwait(false);
        return [.. nodes.OrderBy(node => node.NodeId, StringComparer.Ordinal).Select(NodeRow.From)];
    }

    public async Task<DemandView> DemandAsync()
    {
        var leader = demandLeadership.LeaderAsync();
        var decisions = await demandJournal.LatestAsync(DemandDecisions).ConfigureAwait(false);
        return new DemandView(demandOptions.Value.Enabled, await leader.ConfigureAwait(false), [.. decisions.Select(DemandRow.From)]);
    }

    /// <summary>The jobs waiting for each model the herd serves, by priority.</summary>
    public async Task<IReadOnlyList<QueueRow>> QueueAsync()
    {
        IReadOnlyList<NodeSummary> nodes = await catalog.NodesAsync().ConfigureAwait(false);
        var models = nodes.SelectMany(node => node.Models).Select(model => model.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var waiting = await Task.WhenAll(models.Select(queue.WaitingAsync)).ConfigureAwait(false);
        return [.. waiting.SelectMany(jobs => jobs).Select(QueueRow.From)];
    }

    /// <param name="withPrompts">true only for a reader allowed every key's text</param>
    public async Task<IReadOnlyList<RecentRequestRow>> RecentRequestsAsync(bool withPrompts, CancellationToken cancellationToken)
    {
        await using var ledger = await ledgers.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await ledger.RecentRequestsAsync(RecentRequests, withPrompts, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<UsageTotalRow>> UsageAsync(TimeRange range, UsageGrouping grouping, CancellationToken cancellationToken)
    {
        await using var ledger = await ledgers.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await ledger.UsageTotalsAsync(range, grouping, cancellationToken).ConfigureAwait(false);
    }
}
