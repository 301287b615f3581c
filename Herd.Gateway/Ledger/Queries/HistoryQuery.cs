using Microsoft.EntityFrameworkCore;

namespace Herd.Gateway.Ledger.Queries;

/// <summary>
/// Reads requests with their text and feedback, newest first, a page at a time. Pages are cut on
/// (<c>received_at</c>, <c>request_id</c>) rather than by offset, so a page costs the same however
/// deep it is and requests recorded meanwhile do not shift the pages after them.
/// </summary>
public static class HistoryQuery
{
    /// <param name="keyId">Only this key's requests; null for every key's.</param>
    /// <param name="after">The position the page before ended at; null for the first page.</param>
    public static async Task<HistoryRows> HistoryPageAsync(
        this LedgerDbContext context,
        string? keyId,
        TimeRange range,
        int pageSize,
        HistoryPosition? after,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var usage = context.Usage.AsNoTracking()
            .Where(record => record.ReceivedAt >= range.From && record.ReceivedAt < range.To);
        if (keyId is not null)
        {
            usage = usage.Where(record => record.KeyId == keyId);
        }

        if (after is { } position)
        {
            // CompareTo becomes SQL's <, which compares as ORDER BY below sorts: in the database's collation.
            usage = usage.Where(record => record.ReceivedAt < position.ReceivedAt
                || (record.ReceivedAt == position.ReceivedAt && record.RequestId.CompareTo(position.RequestId) < 0));
        }

        // One row more than the page tells whether another page follows.
        var rows = await (
                from record in usage
                join text in context.History on record.RequestId equals text.RequestId into texts
                from text in texts.DefaultIfEmpty()
                join feedback in context.Feedback on record.RequestId equals feedback.RequestId into verdicts
                from feedback in verdicts.DefaultIfEmpty()
                orderby record.ReceivedAt descending, record.RequestId descending
                select new HistoryRow(
                    record.RequestId,
                    record.KeyId,
                    record.Model,
                    record.Status,
                    record.FinishReason,
                    record.PromptTokens,
                    record.CompletionTokens,
                    record.Fee,
                    record.ReceivedAt,
                    text == null ? null : text.Prompt,
                    text == null ? null : text.Completion,
                    feedback == null ? null : feedback.Score,
                    feedback == null ? null : feedback.Comment,
                    feedback == null ? null : feedback.CreatedAt,
                    record.PromptId,
                    record.PromptVersion,
                    record.ParentRequestId,
                    record.Adapters))
            .Take(pageSize + 1)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.Count > pageSize
            ? new HistoryRows(rows.GetRange(0, pageSize), rows[pageSize - 1].Position)
            : new HistoryRows(rows, null);
    }
}
