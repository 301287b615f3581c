using Herd.Gateway.Ledger;
using Herd.Gateway.Ledger.Queries;
using Herd.Gateway.Nodes.Catalog;
using Herd.Gateway.Queue;
using Microsoft.EntityFrameworkCore;

namespace Herd.Gateway.Api.Http.Dashboard;

/// <summary>Reads what the dashboard shows from what the gateway already keeps: the node directory, the queue and the ledger.</summary>
public sealed class DashboardData(
    ModelCatalog catalog,
    JobQueue queue,
    IDbContextFactory<LedgerDbContext> ledgers,
    TimeProvider time)
{
    /// <summary>How many of the newest requests the page lists.</summary>
    public const int RecentRequests = 50;

    public async Task<DashboardSnapshot> SnapshotAsync(DashboardViewer viewer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        var nodes = await catalog.NodesAsync().ConfigureAwait(false);
        var models = nodes.SelectMany(node => node.Models).Select(model => model.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var waiting = await Task.WhenAll(models.Select(queue.WaitingAsync)).ConfigureAwait(false);
        await using var ledger = await ledgers.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var requests = await ledger.RecentRequestsAsync(RecentRequests, viewer.ReadsPrompts, cancellationToken).ConfigureAwait(false);
        return new DashboardSnapshot(
            time.GetUtcNow(),
            ViewerView.From(viewer),
            [.. nodes.Select(NodeView.From)],
            [.. waiting.SelectMany(jobs => jobs).Select(QueueView.From)],
            [.. requests.Select(RequestView.From)]);
    }

    public async Task<UsageView> UsageAsync(TimeRange range, CancellationToken cancellationToken)
    {
        await using var ledger = await ledgers.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var byKey = await ledger.UsageTotalsAsync(range, UsageGrouping.Key, cancellationToken).ConfigureAwait(false);
        var byModel = await ledger.UsageTotalsAsync(range, UsageGrouping.Model, cancellationToken).ConfigureAwait(false);
        return new UsageView(range.From, range.To, byKey, byModel);
    }
}
