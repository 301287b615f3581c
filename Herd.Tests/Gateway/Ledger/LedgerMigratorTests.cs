using Herd.Gateway.Ledger;
using Herd.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Herd.Tests.Gateway.Ledger;

[Collection(WithServers.Name)]
public sealed class LedgerMigratorTests(ServersFixture servers)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static readonly string[] LedgerTables = ["api_keys", "experts", "feedback", "history_entries", "prompt_versions", "usage_records"];

    [Fact]
    public async Task Start_EmptyDatabase_CreatesTheLedger_AndASecondStartAppliesNothing()
    {
        var connectionString = await servers.Postgres.CreateDatabaseAsync($"ledger_{Guid.NewGuid():N}");

        await StartUntilMigratedAsync(connectionString);
        var tablesAfterFirst = await RawSql.TablesAsync(connectionString);
        var historyAfterFirst = await RawSql.AppliedMigrationsAsync(connectionString);
        var secondLogs = await StartUntilMigratedAsync(connectionString);

        Assert.Equal(LedgerTables, tablesAfterFirst);
        Assert.NotEmpty(historyAfterFirst);
        Assert.Equal(historyAfterFirst, await RawSql.AppliedMigrationsAsync(connectionString));
        Assert.Contains(secondLogs.Lines, line => line.Contains("(0 were pending)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Migrate_SeveralGatewaysAtOnce_AllSucceed_AndEachMigrationIsAppliedOnce()
    {
        var connectionString = await servers.Postgres.CreateDatabaseAsync($"ledger_{Guid.NewGuid():N}");
        var ledgers = Enumerable.Range(0, 4).Select(_ => LedgerHost.Build(connectionString)).ToList();

        try
        {
            await Task.WhenAll(ledgers.Select(ledger => ledger.Migrator.MigrateAsync(CancellationToken.None)));

            var migrations = await RawSql.AppliedMigrationsAsync(connectionString);
            Assert.Equal(migrations.Distinct(), migrations);
            Assert.NotEmpty(migrations);
            Assert.Equal(LedgerTables, await RawSql.TablesAsync(connectionString));
        }
        finally
        {
            foreach (var ledger in ledgers)
            {
                await ledger.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Start_PostgresNotUpYet_TriesAgainWithALogLine_ThenMigrates()
    {
        var database = $"ledger_{Guid.NewGuid():N}";
        await servers.Postgres.CreateDatabaseAsync(database);
        await using var late = new LateListener(servers.Postgres.Port);
        var connectionString = new NpgsqlConnectionStringBuilder(servers.Postgres.ConnectionStringFor(database)) { Port = late.Port }.ConnectionString;
        await using var ledger = LedgerHost.Build(connectionString, new Dictionary<string, string?>
        {
            ["Herd:Gateway:Ledger:MigrateRetryDelay"] = "00:00:00.050",
        });

        await ledger.StartAsync();
        await ledger.Logs.WaitForAsync("is not reachable yet, attempt 2", Deadline);
        Assert.False(ledger.Migrator.Migrated.IsCompleted);
        late.Open();
        await ledger.Migrator.Migrated.WaitAsync(Deadline);
        await ledger.StopAsync();

        Assert.Equal(LedgerTables, await RawSql.TablesAsync(servers.Postgres.ConnectionStringFor(database)));
    }

    [Fact]
    public async Task Start_MigrateOnStartOff_LeavesTheDatabaseEmpty()
    {
        var connectionString = await servers.Postgres.CreateDatabaseAsync($"ledger_{Guid.NewGuid():N}");
        await using var ledger = LedgerHost.Build(connectionString, new Dictionary<string, string?>
        {
            ["Herd:Gateway:Ledger:MigrateOnStart"] = "false",
        });

        await ledger.StartAsync();
        await ledger.Migrator.Migrated.WaitAsync(Deadline);
        await ledger.StopAsync();

        Assert.Empty(await RawSql.TablesAsync(connectionString));
    }

    [Fact]
    public async Task Start_MigrationRefused_FailsOnce_WithoutTryingAgain()
    {
        // A user who may connect but not create tables: trying again cannot mend that.
        var database = $"ledger_{Guid.NewGuid():N}";
        var user = $"reader_{Guid.NewGuid():N}";
        await servers.Postgres.CreateDatabaseAsync(database);
        await RawSql.RowsAsync(servers.Postgres.ConnectionString, $"CREATE ROLE {user} LOGIN");
        await RawSql.RowsAsync(servers.Postgres.ConnectionStringFor(database), "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
        var connectionString = new NpgsqlConnectionStringBuilder(servers.Postgres.ConnectionStringFor(database)) { Username = user }.ConnectionString;
        await using var ledger = LedgerHost.Build(connectionString, new Dictionary<string, string?>
        {
            ["Herd:Gateway:Ledger:MigrateRetryDelay"] = "00:00:00.010",
        });

        await ledger.StartAsync();
        var error = await Assert.ThrowsAsync<PostgresException>(() => ledger.Migrator.Migrated.WaitAsync(Deadline));
        await ledger.StopAsync();

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.DoesNotContain(ledger.Logs.Lines, line => line.Contains("not reachable yet", StringComparison.Ordinal));
        Assert.Contains(ledger.Logs.Lines, line => line.StartsWith("Critical: Could not migrate the ledger", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Migrate_DatabaseNotCreatedYet_CreatesIt()
    {
        var database = $"ledger_{Guid.NewGuid():N}";
        await using var ledger = LedgerHost.Build(servers.Postgres.ConnectionStringFor(database));

        var applied = await ledger.Migrator.MigrateAsync(CancellationToken.None);

        Assert.NotEmpty(applied);
        Assert.Equal(LedgerTables, await RawSql.TablesAsync(servers.Postgres.ConnectionStringFor(database)));
    }

    [Fact]
    public async Task Model_MatchesTheLatestMigration()
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        await using var context = ledger.CreateContext();

        // A change to the entities without `dotnet ef migrations add` fails here.
        Assert.False(context.Database.HasPendingModelChanges());
    }

    [Fact]
    public void IsUnreachable_ConnectionRefused_IsTransient_ButASyntaxErrorIsNot()
    {
        var refused = new NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));
        var wrapped = new InvalidOperationException("outer", refused);
        var syntax = new PostgresException("syntax error", "ERROR", "ERROR", PostgresErrorCodes.SyntaxError);

        Assert.Equal([true, true, false], [LedgerMigrator.IsUnreachable(refused), LedgerMigrator.IsUnreachable(wrapped), LedgerMigrator.IsUnreachable(syntax)]);
    }

    private static async Task<RecordingLoggerProvider> StartUntilMigratedAsync(string connectionString)
    {
        await using var ledger = LedgerHost.Build(connectionString);
        await ledger.StartAsync();
        await ledger.Migrator.Migrated.WaitAsync(Deadline);
        await ledger.StopAsync();
        return ledger.Logs;
    }
}
