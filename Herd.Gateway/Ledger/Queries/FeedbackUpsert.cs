using Microsoft.EntityFrameworkCore;

namespace Herd.Gateway.Ledger.Queries;

/// <summary>Keeps a key's feedback on one of its own requests, replacing any it gave before.</summary>
public static class FeedbackUpsert
{
    /// <summary>
    /// Saves the feedback if the ledger holds a usage record of <paramref name="requestId"/> made
    /// by <paramref name="keyId"/>; one statement, so the check and the write cannot be split.
    /// </summary>
    /// <param name="comment">Null for none.</param>
    /// <returns>False when there is no such request of that key, whether or not another key has one with that id.</returns>
    public static async Task<bool> SubmitFeedbackAsync(
        this LedgerDbContext context,
        string requestId,
        string keyId,
        int score,
        string? comment,
        DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var saved = await context.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO feedback (request_id, key_id, score, comment, created_at)
            SELECT {requestId}, {keyId}, {score}, {comment}, {now.ToUniversalTime()}
            WHERE EXISTS (SELECT 1 FROM usage_records WHERE request_id = {requestId} AND key_id = {keyId})
            ON CONFLICT (request_id) DO UPDATE
                SET score = excluded.score, comment = excluded.comment, created_at = excluded.created_at
                WHERE feedback.key_id = excluded.key_id
            """,
            cancellationToken).ConfigureAwait(false);
        return saved == 1;
    }
}
