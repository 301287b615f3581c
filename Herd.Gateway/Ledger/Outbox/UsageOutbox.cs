using System.Collections.Concurrent;
using System.Text.Json;
using StackExchange.Redis;

namespace Herd.Gateway.Ledger.Outbox;

/// <summary>
/// The durable way into the ledger. A request is opened when it is admitted and closed when it
/// ends; closing moves its record onto a Redis stream in one atomic step, and the
/// <see cref="LedgerWriter"/> of any gateway takes it from there into PostgreSQL, acknowledging it
/// only after the commit. So serving goes on while PostgreSQL is away, and a gateway that dies
/// leaves its open requests for <see cref="AbandonedRequestSweeper"/> to record.
/// </summary>
public sealed partial class UsageOutbox
{
    /// <summary>How many records the gateway holds while Redis refuses them; past this the oldest are dropped, and logged.</summary>
    public const int MaxUnsent = 100_000;

    private readonly IDatabase _database;
    private readonly OutboxKeys _keys;
    private readonly ILogger<UsageOutbox> _logger;
    private readonly ConcurrentQueue<OutboxEntry> _unsent = new();

    public UsageOutbox(IConnectionMultiplexer redis, string keyPrefix, ILogger<UsageOutbox> logger)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _database = redis.GetDatabase();
        _keys = new OutboxKeys(keyPrefix ?? string.Empty);
        _logger = logger;
    }

    /// <summary>Records closed while Redis was unreachable, waiting to be sent again.</summary>
    public int UnsentCount => _unsent.Count;

    /// <summary>
    /// Records in the outbox stream that no ledger writer has acknowledged yet: acknowledging
    /// removes an entry, so this is the stream's length.
    /// </summary>
    public Task<long> UnacknowledgedAsync() => _database.StreamLengthAsync(_keys.Stream);

    /// <summary>Notes an admitted request, so that its record is written even if this gateway stops before it ends.</summary>
    public Task OpenAsync(OpenRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _database.HashSetAsync(_keys.Open, request.RequestId, JsonSerializer.Serialize(request, OutboxJson.Default.OpenRequest));
    }

    /// <summary>
    /// Ends a request and queues its record for the ledger. Never throws for Redis: a record Redis
    /// does not take is kept here and sent again by the ledger writer.
    /// </summary>
    public async Task CloseAsync(OutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        try
        {
            await SendAsync(entry).ConfigureAwait(false);
        }
        catch (RedisException exception)
        {
            Keep(entry);
            LogKeptUnsent(exception, entry.Usage.RequestId);
        }
    }

    /// <summary>Sends the records Redis refused before; stops at the first refusal and keeps the rest.</summary>
    /// <returns>How many were sent.</returns>
    public async Task<int> ResendUnsentAsync()
    {
        var sent = 0;
        while (_unsent.TryPeek(out var entry))
        {
            await SendAsync(entry).ConfigureAwait(false);
            _unsent.TryDequeue(out _);
            sent++;
        }

        return sent;
    }

    /// <summary>Creates the writers' consumer group (and the stream) unless it exists.</summary>
    public async Task EnsureWritersGroupAsync()
    {
        try
        {
            await _database.StreamCreateConsumerGroupAsync(_keys.Stream, OutboxKeys.WritersGroup, StreamPosition.Beginning, createStream: true).ConfigureAwait(false);
        }
        catch (RedisServerException exception) when (exception.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another gateway made it first.
        }
    }

    /// <summary>
    /// The next entries for <paramref name="consumer"/>: first those it read before and has not
    /// acknowledged (a ledger write that failed), then new ones.
    /// </summary>
    public async Task<StreamEntry[]> ReadAsync(string consumer, int count)
    {
        var pending = await _database.StreamReadGroupAsync(_keys.Stream, OutboxKeys.WritersGroup, consumer, StreamPosition.Beginning, count).ConfigureAwait(false);
        return pending.Length > 0
            ? pending
            : await _database.StreamReadGroupAsync(_keys.Stream, OutboxKeys.WritersGroup, consumer, StreamPosition.NewMessages, count).ConfigureAwait(false);
    }

    /// <summary>Takes over entries another writer read and left unacknowledged for <paramref name="idle"/> or longer: that gateway stopped, or cannot reach the ledger.</summary>
    public async Task<StreamEntry[]> ClaimIdleAsync(string consumer, TimeSpan idle, int count)
    {
        var claimed = await _database.StreamAutoClaimAsync(_keys.Stream, OutboxKeys.WritersGroup, consumer, (long)idle.TotalMilliseconds, "0-0", count).ConfigureAwait(false);
        return claimed.ClaimedEntries;
    }

    /// <summary>Acknowledges entries whose records the ledger committed, and removes them from the stream.</summary>
    public async Task AcknowledgeAsync(IReadOnlyCollection<RedisValue> ids)
    {
        if (ids.Count == 0)
        {
            return;
        }

        var values = ids.ToArray();
        var transaction = _database.CreateTransaction();
        _ = transaction.StreamAcknowledgeAsync(_keys.Stream, OutboxKeys.WritersGroup, values);
        _ = transaction.StreamDeleteAsync(_keys.Stream, values);
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    /// <summary>Moves an entry the ledger can never take to the dead-letter stream, with the reason.</summary>
    public async Task DeadLetterAsync(StreamEntry entry, string reason)
    {
        var transaction = _database.CreateTransaction();
        _ = transaction.StreamAddAsync(_keys.DeadLetters, [
            new NameValueEntry(OutboxKeys.RecordField, entry[OutboxKeys.RecordField]),
            new NameValueEntry("reason", reason),
            new NameValueEntry("outbox_id", entry.Id),
        ]);
        _ = transaction.StreamAcknowledgeAsync(_keys.Stream, OutboxKeys.WritersGroup, entry.Id);
        _ = transaction.StreamDeleteAsync(_keys.Stream, [entry.Id]);
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    /// <summary>Every request opened and not yet closed, by any gateway; unreadable ones are skipped.</summary>
    public async IAsyncEnumerable<OpenRequest> OpenRequestsAsync()
    {
        await foreach (var field in _database.HashScanAsync(_keys.Open, pageSize: 500).ConfigureAwait(false))
        {
            if (Parse(field.Value) is { } open)
            {
                yield return open;
            }
        }
    }

    /// <summary>Records an abandoned request, unless its gateway closed it meanwhile.</summary>
    /// <returns>True when this call recorded it.</returns>
    public async Task<bool> CloseAbandonedAsync(OpenRequest open, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(open);
        var entry = JsonSerializer.Serialize(open.Abandoned(now), OutboxJson.Default.OutboxEntry);
        var result = await _database.ScriptEvaluateAsync(OutboxScripts.CloseAbandoned, [_keys.Open, _keys.Stream], [open.RequestId, entry]).ConfigureAwait(false);
        return !result.IsNull;
    }

    /// <summary>The record an outbox entry carries.</summary>
    /// <exception cref="JsonException">The entry holds no readable record.</exception>
    public static OutboxEntry ReadEntry(StreamEntry entry)
    {
        var json = entry[OutboxKeys.RecordField];
        return json.IsNullOrEmpty
            ? throw new JsonException($"Outbox entry {entry.Id} has no '{OutboxKeys.RecordField}' field.")
            : JsonSerializer.Deserialize((string)json!, OutboxJson.Default.OutboxEntry)
                ?? throw new JsonException($"Outbox entry {entry.Id} holds null.");
    }

    private Task<RedisResult> SendAsync(OutboxEntry entry) =>
        _database.ScriptEvaluateAsync(OutboxScripts.Close, [_keys.Open, _keys.Stream], [entry.Usage.RequestId, JsonSerializer.Serialize(entry, OutboxJson.Default.OutboxEntry)]);

    private void Keep(OutboxEntry entry)
    {
        _unsent.Enqueue(entry);
        while (_unsent.Count > MaxUnsent && _unsent.TryDequeue(out var dropped))
        {
            LogDropped(dropped.Usage.RequestId, MaxUnsent);
        }
    }

    private OpenRequest? Parse(RedisValue json)
    {
        try
        {
            return JsonSerializer.Deserialize((string)json!, OutboxJson.Default.OpenRequest);
        }
        catch (JsonException exception)
        {
            LogUnreadableOpen(exception);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis did not take the usage record of request {RequestId}; it is kept and sent again")]
    private partial void LogKeptUnsent(Exception exception, string requestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dropped the usage record of request {RequestId}: more than {MaxUnsent} records are waiting for Redis")]
    private partial void LogDropped(string requestId, int maxUnsent);

    [LoggerMessage(Level = LogLevel.Error, Message = "An open request in the outbox cannot be read; it is left where it is")]
    private partial void LogUnreadableOpen(Exception exception);
}
