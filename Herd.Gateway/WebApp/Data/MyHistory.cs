using Herd.Gateway.Ledger;
using Herd.Gateway.Ledger.Queries;
using Microsoft.EntityFrameworkCore;

namespace Herd.Gateway.WebApp.Data;

/// <summary>Reads one key's own requests and what they add up to, as <c>History/ListMine</c> reads them.</summary>
public sealed class MyHistory(IDbContextFactory<LedgerDbContext> ledgers)
{
    /// <summary>How many of the key's newest requests the tab lists.</summary>
    public const int PageSize = 100;

    public async Task<(IReadOnlyList<HistoryRow> Rows, KeyStatistics Statistics)> ReadAsync(string keyId, TimeRange range, CancellationToken cancellationToken)
    {
        await using var ledger = await ledgers.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var page = await ledger.HistoryPageAsync(keyId, range, PageSize, after: null, cancellationToken).ConfigureAwait(false);
        var statistics = await ledger.KeyStatisticsAsync(keyId, range, cancellationToken).ConfigureAwait(false);
        return (page.Rows, statistics);
    }
}
