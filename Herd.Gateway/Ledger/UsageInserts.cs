using Microsoft.EntityFrameworkCore;

namespace Herd.Gateway.Ledger;

/// <summary>
/// Records usage so that a record delivered twice lands once: the outbox delivers at least
/// once, and a redelivery must neither fail nor count a request twice.
/// </summary>
public static class UsageInserts
{
    /// <summary>
    /// Inserts <paramref name="usage"/>, and <paramref name="history"/> with it unless the key has
    /// opted out of history, in one transaction; the first delivery of a request id wins and
    /// later ones change nothing.
    /// </summary>
    /// <returns>True when the record is new; false when the request id was recorded already.</returns>
    public static async Task<bool> InsertUsageIfNewAsync(
        this LedgerDbContext context, UsageRecord usage, HistoryEntry? history = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(usage);
        if (history is not null && history.RequestId != usage.RequestId)
        {
            throw new ArgumentException(
                $"The history entry is for request {history.RequestId}, the usage record for {usage.RequestId}; give both the same request id.",
                nameof(history));
        }

        var database = context.Database;
        await using var transaction = await database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Keep the column lists in step with UsageRecord and HistoryEntry (the round-trip test reads every property back).
        var inserted = await database.ExecuteSqlAsync(
            $"""
            INSERT INTO usage_records (request_id, client_request_id, gateway_id, key_id, role, model, node_id, prompt_tokens, completion_tokens,
                queue_wait, time_to_first_token, total_time, finish_reason, status, message, fee, received_at, ended_at)
            VALUES ({usage.RequestId}, {usage.ClientRequestId}, {usage.GatewayId}, {usage.KeyId}, {usage.Role}, {usage.Model}, {usage.NodeId},
                {usage.PromptTokens}, {usage.CompletionTokens}, {usage.QueueWait}, {usage.TimeToFirstToken}, {usage.TotalTime},
                {usage.FinishReason}, {usage.Status}, {usage.Message}, {usage.Fee}, {usage.ReceivedAt.ToUniversalTime()}, {usage.EndedAt.ToUniversalTime()})
            ON CONFLICT (request_id) DO NOTHING
            """,
            cancellationToken).ConfigureAwait(false) == 1;
        if (inserted && history is not null)
        {
            // The key's choice is read here too, so that no text is kept against it even if a writer forgot.
            await database.ExecuteSqlAsync(
                $"""
                INSERT INTO history_entries (request_id, prompt, completion)
                SELECT {history.RequestId}, {history.Prompt}, {history.Completion}
                WHERE NOT EXISTS (SELECT 1 FROM api_keys WHERE id = {usage.KeyId} AND history_opt_out)
                ON CONFLICT (request_id) DO NOTHING
                """,
                cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return inserted;
    }
}
