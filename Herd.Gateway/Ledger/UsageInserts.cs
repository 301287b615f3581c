using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Herd.Gateway.Ledger;

/// <summary>
/// Records usage so that a record delivered twice lands once: the outbox delivers at least
/// once, and a redelivery must neither fail nor count a request twice.
/// </summary>
public static class UsageInserts
{
    /// <summary>
    /// Inserts <paramref name="usage"/>, and <paramref name="history"/> with it unless the key has
    /// opted out of history, in one statement; the first delivery of a request id wins and
    /// later ones change nothing.
    /// </summary>
    /// <returns>True when the record is new; false when the request id was recorded already.</returns>
    public static async Task<bool> InsertUsageIfNewAsync(
        this LedgerDbContext context, UsageRecord usage, HistoryEntry? history = null, CancellationToken cancellationToken = default) =>
        await context.InsertUsageBatchAsync([(usage, history)], cancellationToken).ConfigureAwait(false) == 1;

    /// <summary>
    /// Inserts several records, each with its history entry if it has one, in one statement: one
    /// round trip and one commit for the lot, which is what lets the ledger keep up with a busy
    /// herd. As with <see cref="InsertUsageIfNewAsync"/>, records already there change nothing and
    /// no text is kept against a key that opted out; if one record is refused, none is inserted.
    /// </summary>
    /// <returns>How many records were new.</returns>
    public static async Task<int> InsertUsageBatchAsync(
        this LedgerDbContext context, IReadOnlyList<(UsageRecord Usage, HistoryEntry? History)> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(records);
        foreach (var (usage, history) in records)
        {
            ThrowIfMismatched(usage, history);
        }

        if (records.Count == 0)
        {
            return 0;
        }

        var connection = (NpgsqlConnection)context.Database.GetDbConnection();
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = new NpgsqlCommand(BatchInsert, connection);
            var usages = records.Select(record => record.Usage).ToList();
            var histories = records.Where(record => record.History is not null).Select(record => record.History!).ToList();
            Add(command, "request_id", NpgsqlDbType.Text, usages.Select(usage => usage.RequestId));
            Add(command, "client_request_id", NpgsqlDbType.Text, usages.Select(usage => usage.ClientRequestId));
            Add(command, "gateway_id", NpgsqlDbType.Text, usages.Select(usage => usage.GatewayId));
            Add(command, "key_id", NpgsqlDbType.Text, usages.Select(usage => usage.KeyId));
            Add(command, "role", NpgsqlDbType.Text, usages.Select(usage => usage.Role));
            Add(command, "model", NpgsqlDbType.Text, usages.Select(usage => usage.Model));
            Add(command, "adapters", NpgsqlDbType.Text, usages.Select(usage => usage.Adapters));
            Add(command, "node_id", NpgsqlDbType.Text, usages.Select(usage => usage.NodeId));
            Add(command, "prompt_tokens", NpgsqlDbType.Integer, usages.Select(usage => usage.PromptTokens));
            Add(command, "completion_tokens", NpgsqlDbType.Integer, usages.Select(usage => usage.CompletionTokens));
            Add(command, "queue_wait", NpgsqlDbType.Interval, usages.Select(usage => usage.QueueWait));
            Add(command, "time_to_first_token", NpgsqlDbType.Interval, usages.Select(usage => usage.TimeToFirstToken));
            Add(command, "total_time", NpgsqlDbType.Interval, usages.Select(usage => usage.TotalTime));
            Add(command, "finish_reason", NpgsqlDbType.Text, usages.Select(usage => usage.FinishReason));
            Add(command, "status", NpgsqlDbType.Text, usages.Select(usage => usage.Status));
            Add(command, "message", NpgsqlDbType.Text, usages.Select(usage => usage.Message));
            Add(command, "door", NpgsqlDbType.Text, usages.Select(usage => usage.Door));
            Add(command, "prompt_id", NpgsqlDbType.Text, usages.Select(usage => usage.PromptId));
            Add(command, "prompt_version", NpgsqlDbType.Text, usages.Select(usage => usage.PromptVersion));
            Add(command, "parent_request_id", NpgsqlDbType.Text, usages.Select(usage => usage.ParentRequestId));
            Add(command, "fee", NpgsqlDbType.Numeric, usages.Select(usage => usage.Fee));
            Add(command, "received_at", NpgsqlDbType.TimestampTz, usages.Select(usage => usage.ReceivedAt.ToUniversalTime()));
            Add(command, "ended_at", NpgsqlDbType.TimestampTz, usages.Select(usage => usage.EndedAt.ToUniversalTime()));
            Add(command, "history_request_id", NpgsqlDbType.Text, histories.Select(history => history.RequestId));
            Add(command, "prompt", NpgsqlDbType.Text, histories.Select(history => history.Prompt));
            Add(command, "completion", NpgsqlDbType.Text, histories.Select(history => history.Completion));
            return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }
        finally
        {
            await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    // One statement: the records, then the history of those that were new and whose key keeps it.
    // Keep the column lists in step with UsageRecord and HistoryEntry (the round-trip test reads every property back).
    private const string BatchInsert = """
        WITH new AS (
            INSERT INTO usage_records (request_id, client_request_id, gateway_id, key_id, role, model, adapters, node_id, prompt_tokens, completion_tokens,
                queue_wait, time_to_first_token, total_time, finish_reason, status, message, door, prompt_id, prompt_version, parent_request_id, fee, received_at, ended_at)
            SELECT * FROM unnest(@request_id, @client_request_id, @gateway_id, @key_id, @role, @model, @adapters, @node_id, @prompt_tokens, @completion_tokens,
                @queue_wait, @time_to_first_token, @total_time, @finish_reason, @status, @message, @door, @prompt_id, @prompt_version, @parent_request_id, @fee, @received_at, @ended_at)
            ON CONFLICT (request_id) DO NOTHING
            RETURNING request_id, key_id
        ), kept AS (
            INSERT INTO history_entries (request_id, prompt, completion)
            SELECT history.request_id, history.prompt, history.completion
            FROM unnest(@history_request_id, @prompt, @completion) AS history (request_id, prompt, completion)
            JOIN new ON new.request_id = history.request_id
            WHERE NOT EXISTS (SELECT 1 FROM api_keys WHERE api_keys.id = new.key_id AND api_keys.history_opt_out)
            ON CONFLICT (request_id) DO NOTHING
            RETURNING 1
        )
        SELECT count(*) FROM new
        """;

    private static void Add<T>(NpgsqlCommand command, string name, NpgsqlDbType type, IEnumerable<T> values) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = values.ToArray() });

    private static void ThrowIfMismatched(UsageRecord usage, HistoryEntry? history)
    {
        ArgumentNullException.ThrowIfNull(usage);
        if (history is not null && history.RequestId != usage.RequestId)
        {
            throw new ArgumentException(
                $"The history entry is for request {history.RequestId}, the usage record for {usage.RequestId}; give both the same request id.",
                nameof(history));
        }
    }
}
