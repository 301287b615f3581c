using Microsoft.EntityFrameworkCore;

namespace Herd.Gateway.Ledger.Queries;

/// <summary>The newest requests of every key, for watching the herd as it works.</summary>
public static class RecentRequestsQuery
{
    /// <param name="count">at most this many, newest first</param>
    /// <param name="withPrompts">true to read each request's prompt as well; only for readers allowed to see every key's text</param>
    public static async Task<IReadOnlyList<RecentRequestRow>> RecentRequestsAsync(
        this LedgerDbContext context, int count, bool withPrompts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var newest = context.Usage.AsNoTracking()
            .OrderByDescending(record => record.ReceivedAt)
            .ThenByDescending(record => record.RequestId)
            .Take(count);
        if (!withPrompts)
        {
            return await newest
                .Select(record => Row(record, null))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
        }

        return await (
                from record in newest
                join text in context.History on record.RequestId equals text.RequestId into texts
                from text in texts.DefaultIfEmpty()
                orderby record.ReceivedAt descending, record.RequestId descending
                select Row(record, text == null ? null : text.Prompt))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    private static RecentRequestRow Row(UsageRecord record, string? prompt) => new(
        record.RequestId,
        record.KeyId,
        record.Model,
        record.NodeId,
        record.Status,
        record.FinishReason,
        record.PromptTokens,
        record.CompletionTokens,
        record.QueueWait,
        record.TimeToFirstToken,
        record.TotalTime,
        record.ReceivedAt,
        prompt);
}
