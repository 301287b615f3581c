using System.Text.Json;
using Herd.Gateway.Configuration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Herd.Gateway.Ledger.Outbox;

/// <summary>
/// Moves records from the outbox into PostgreSQL. Every gateway runs one, as a member of the
/// same consumer group, so each record is written by one of them; a record is acknowledged only
/// after its transaction committed, and one written twice (a writer that died between commit and
/// acknowledgement) lands once. While PostgreSQL is away the records wait in Redis and the
/// writer tries again with a growing delay.
/// </summary>
public sealed partial class LedgerWriter(
    UsageOutbox outbox,
    IDbContextFactory<LedgerDbContext> contexts,
    LedgerMigrator migrator,
    IOptions<LedgerOptions> options,
    IOptions<GatewayOptions> gatewayOptions,
    ILogger<LedgerWriter> logger) : BackgroundService
{
    // Claiming other writers' stale entries scans the pending list: once in this many polls is enough.
    private const int PollsPerClaim = 10;

    private bool _failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await migrator.Migrated.WaitAsync(stoppingToken).ConfigureAwait(false);
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is not acknowledged stays in the outbox for the next writer.
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var consumer = gatewayOptions.Value.GatewayId;
        var delay = settings.OutboxPollInterval;
        var polls = 0;
        var groupReady = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!groupReady)
                {
                    await outbox.EnsureWritersGroupAsync().ConfigureAwait(false);
                    groupReady = true;
                }

                await outbox.ResendUnsentAsync().ConfigureAwait(false);
                var batch = await outbox.ReadAsync(consumer, settings.OutboxBatchSize).ConfigureAwait(false);
                if (batch.Length == 0 && ++polls % PollsPerClaim == 0)
                {
                    batch = await outbox.ClaimIdleAsync(consumer, settings.OutboxClaimAfter, settings.OutboxBatchSize).ConfigureAwait(false);
                }

                if (batch.Length > 0)
                {
                    await WriteAsync(batch, stoppingToken).ConfigureAwait(false);
                    Recovered();
                    delay = settings.OutboxPollInterval;
                    continue;
                }

                Recovered();
                delay = settings.OutboxPollInterval;
            }
            catch (RedisServerException exception) when (exception.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
            {
                // Redis lost the stream (a restart without persistence): make the group again.
                groupReady = false;
            }
            catch (RedisException exception)
            {
                Failed(exception, "Redis");
                delay = Longer(delay, settings.OutboxMaxRetryDelay);
            }
            catch (Exception exception) when (LedgerFailures.IsUnreachable(exception) && !stoppingToken.IsCancellationRequested)
            {
                Failed(exception, "PostgreSQL");
                delay = Longer(delay, settings.OutboxMaxRetryDelay);
            }

            await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes a batch in one transaction and acknowledges it. When the ledger refuses a record for
    /// good, the batch is written again one record at a time, so that only that record goes to the
    /// dead letters. An outage throws, and the batch stays pending for the next try.
    /// </summary>
    private async Task WriteAsync(StreamEntry[] batch, CancellationToken stoppingToken)
    {
        var done = new List<RedisValue>(batch.Length);
        var records = new List<(RedisValue Id, OutboxEntry Record)>(batch.Length);
        foreach (var entry in batch)
        {
            if (entry.IsNull || entry.Values.Length == 0)
            {
                // Deleted after it was read (acknowledged by another writer): nothing to write.
                done.Add(entry.Id);
                continue;
            }

            try
            {
                records.Add((entry.Id, UsageOutbox.ReadEntry(entry)));
            }
            catch (JsonException exception)
            {
                await DeadLetterAsync(entry, exception).ConfigureAwait(false);
            }
        }

        await using var context = await contexts.CreateDbContextAsync(stoppingToken).ConfigureAwait(false);
        try
        {
            await context.InsertUsageBatchAsync([.. records.Select(record => (record.Record.Usage, record.Record.History))], stoppingToken).ConfigureAwait(false);
            done.AddRange(records.Select(record => record.Id));
        }
        catch (PostgresException exception) when (IsRefusedForGood(exception))
        {
            await WriteOneByOneAsync(context, batch, records, done, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            await outbox.AcknowledgeAsync(done).ConfigureAwait(false);
        }
    }

    private async Task WriteOneByOneAsync(
        LedgerDbContext context, StreamEntry[] batch, List<(RedisValue Id, OutboxEntry Record)> records, List<RedisValue> done, CancellationToken stoppingToken)
    {
        foreach (var (id, record) in records)
        {
            try
            {
                await context.InsertUsageIfNewAsync(record.Usage, record.History, stoppingToken).ConfigureAwait(false);
                done.Add(id);
            }
            catch (PostgresException exception) when (IsRefusedForGood(exception))
            {
                await DeadLetterAsync(batch.First(entry => entry.Id == id), exception).ConfigureAwait(false);
            }
        }
    }

    private async Task DeadLetterAsync(StreamEntry entry, Exception exception)
    {
        await outbox.DeadLetterAsync(entry, exception.Message).ConfigureAwait(false);
        LogDeadLettered(exception, entry.Id.ToString());
    }

    /// <summary>Bad data (class 22) or a broken constraint (class 23): trying again cannot help.</summary>
    private static bool IsRefusedForGood(PostgresException exception) =>
        exception.SqlState.StartsWith("22", StringComparison.Ordinal) || exception.SqlState.StartsWith("23", StringComparison.Ordinal);

    private static TimeSpan Longer(TimeSpan delay, TimeSpan longest) => delay * 2 < longest ? delay * 2 : longest;

    private void Failed(Exception exception, string what)
    {
        // One warning per outage, not one per retry.
        if (!_failing)
        {
            _failing = true;
            LogOutage(exception, what);
        }
    }

    private void Recovered()
    {
        if (_failing)
        {
            _failing = false;
            LogRecovered();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage records cannot reach the ledger ({What} is unreachable); they wait in the outbox and are written once it is back")]
    private partial void LogOutage(Exception exception, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "The ledger is reachable again; writing the usage records that waited")]
    private partial void LogRecovered();

    [LoggerMessage(Level = LogLevel.Error, Message = "The ledger refused outbox entry {EntryId} for good; it was moved to the dead-letter stream")]
    private partial void LogDeadLettered(Exception exception, string entryId);
}
