using Herd.Gateway.Resilience;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Herd.Gateway.Ledger;

/// <summary>
/// Brings the ledger's schema up to date. As a hosted service it does so in the background when
/// the gateway starts (<see cref="LedgerOptions.MigrateOnStart"/>), trying again while PostgreSQL
/// cannot be reached, so that the gateway serves meanwhile; what writes to the ledger awaits
/// <see cref="Migrated"/>. Several gateways may start at once: the migrations take a lock.
/// </summary>
public sealed partial class LedgerMigrator(
    IDbContextFactory<LedgerDbContext> contexts,
    IOptions<LedgerOptions> options,
    ILogger<LedgerMigrator> logger) : BackgroundService
{
    private readonly TaskCompletionSource _migrated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes once the schema is up to date (at once when migrating on start is off), fails
    /// when a migration failed, and is cancelled when the gateway stopped first.
    /// </summary>
    public Task Migrated => _migrated.Task;

    // Any fixed number: the advisory lock's name in PostgreSQL. It spells "herdmigr" in ASCII.
    private const long MigrationLock = 0x686572646D696772;

    /// <summary>
    /// Applies the pending migrations once, failing when PostgreSQL cannot be reached. Returns the
    /// migrations that were pending when it began (another gateway may have applied some meanwhile).
    /// </summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var locked = await LockAsync(context, cancellationToken).ConfigureAwait(false);
        try
        {
            // A database that does not exist yet has every migration pending; migrating creates it.
            var pending = (await context.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)).ToList();
            await context.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            var latest = context.Database.GetMigrations().LastOrDefault() ?? "(none)";
            LogCurrent(latest, pending.Count);
            return pending;
        }
        finally
        {
            if (locked)
            {
                await context.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({MigrationLock})", CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Takes the ledger's migration lock for this connection. EF Core locks each migration's own
    /// transaction only, so two gateways starting at once could each apply the same later
    /// migration; the lock makes one wait for the other's whole run. A database that does not
    /// exist yet cannot be locked: migrating creates it.
    /// </summary>
    private static async Task<bool> LockAsync(LedgerDbContext context, CancellationToken cancellationToken)
    {
        try
        {
            await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            return false;
        }

        await context.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({MigrationLock})", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Applies the pending migrations, waiting out a PostgreSQL that cannot be reached yet.</summary>
    public async Task MigrateWhenReachableAsync(CancellationToken cancellationToken)
    {
        var untilReachable = UntilReachable.Retry(
            options.Value.MigrateRetryDelay,
            IsUnreachable,
            (failure, attempt, delay) => LogUnreachable(attempt, delay, Describe(failure)));
        await untilReachable.ExecuteAsync(async token => await MigrateAsync(token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.MigrateOnStart)
        {
            LogNotMigrating();
            _migrated.TrySetResult();
            return;
        }

        try
        {
            await MigrateWhenReachableAsync(stoppingToken).ConfigureAwait(false);
            _migrated.TrySetResult();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _migrated.TrySetCanceled(stoppingToken);
        }
        catch (Exception exception)
        {
            LogFailed(exception);
            _migrated.TrySetException(exception);
            throw;
        }
    }

    /// <summary>
    /// Whether the failure is PostgreSQL not being there yet (refused, timed out, starting up,
    /// out of connections) rather than something trying again cannot mend.
    /// </summary>
    public static bool IsUnreachable(Exception exception)
    {
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            if (cause is NpgsqlException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The messages of the exception and its causes on one line, for a log line a person reads.</summary>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var messages = new List<string>();
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            messages.Add(cause.Message);
        }

        return string.Join(" ← ", messages.Distinct(StringComparer.Ordinal));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ledger schema is up to date at migration {Migration} ({Pending} were pending)")]
    private partial void LogCurrent(string migration, int pending);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL (ConnectionStrings:ledger) is not reachable yet, attempt {Attempt}; trying again in {Delay}: {Problem}")]
    private partial void LogUnreachable(int attempt, TimeSpan delay, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Not migrating the ledger: Herd:Gateway:Ledger:MigrateOnStart is false")]
    private partial void LogNotMigrating();

    [LoggerMessage(Level = LogLevel.Critical, Message = "Could not migrate the ledger; fix the cause and start the gateway again (or run `Herd.Gateway migrate`)")]
    private partial void LogFailed(Exception exception);
}
