using Microsoft.EntityFrameworkCore;

namespace Herd.Gateway.Ledger.Queries;

/// <summary>Sums one key's requests and averages its feedback over a time range, for the key's own history.</summary>
public static class KeyStatisticsQuery
{
    public static async Task<KeyStatistics> KeyStatisticsAsync(
        this LedgerDbContext context, string keyId, TimeRange range, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(keyId);
        var mine = context.Usage.AsNoTracking()
            .Where(usage => usage.KeyId == keyId && usage.ReceivedAt >= range.From && usage.ReceivedAt < range.To);
        var totals = await mine
            .GroupBy(_ => 1)
            .Select(group => new
            {
                Requests = group.LongCount(),
                PromptTokens = group.Sum(usage => (long)usage.PromptTokens),
                CompletionTokens = group.Sum(usage => (long)usage.CompletionTokens),
                Fee = group.Sum(usage => usage.Fee),
            })
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        var scores = await (
                from usage in mine
                join feedback in context.Feedback on usage.RequestId equals feedback.RequestId
                where feedback.KeyId == keyId
                select feedback.Score)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return new KeyStatistics(
            totals?.Requests ?? 0,
            totals?.PromptTokens ?? 0,
            totals?.CompletionTokens ?? 0,
            totals?.Fee ?? 0m,
            scores.Count,
            scores.Count == 0 ? null : scores.Average());
    }
}
