using System.Globalization;
using Herd.Gateway.Cli;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;

namespace Herd.Tests.Gateway.Cli;

/// <summary><c>dotnet Herd.Gateway.dll migrate</c>, run as a real process.</summary>
[Collection(WithServers.Name)]
public sealed class MigrateCommandTests(ServersFixture servers)
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Migrate_EmptyDatabase_CreatesTheLedger_AndExitsZero_TwiceOver()
    {
        var connectionString = await servers.Postgres.CreateDatabaseAsync($"ledger_{Guid.NewGuid():N}");

        var (first, firstOutput) = await MigrateAsync($"--ConnectionStrings:ledger={connectionString}");
        var (second, secondOutput) = await MigrateAsync($"--ConnectionStrings:ledger={connectionString}");

        Assert.True(first == 0, firstOutput);
        Assert.True(second == 0, secondOutput);
        Assert.Equal(["api_keys", "experts", "feedback", "history_entries", "prompt_versions", "usage_records"], await RawSql.TablesAsync(connectionString));
        Assert.Contains("(0 were pending)", secondOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_PostgresUnreachable_ExitsNonZero_NamingWhere()
    {
        var port = FreePort.Next();

        var (exitCode, output) = await MigrateAsync(
            string.Create(CultureInfo.InvariantCulture, $"--ConnectionStrings:ledger=Host=127.0.0.1;Port={port};Database=nowhere;Username=herd;Password=hunter2;Timeout=2"));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"Could not migrate the ledger at 127.0.0.1:{port}/nowhere"), output, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_WithoutConnectionString_ExitsNonZero_SayingWhatToSet()
    {
        var (exitCode, output) = await MigrateAsync();

        Assert.NotEqual(0, exitCode);
        Assert.Contains("ConnectionStrings:ledger is not set", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_AWordThatIsNoSetting_ExitsTwo_SayingSo()
    {
        var (exitCode, output) = await MigrateAsync("now");

        Assert.Equal(GatewayCommandLine.BadUsage, exitCode);
        Assert.Contains("Unexpected argument 'now'", output, StringComparison.Ordinal);
        Assert.Contains("migrate [<gateway settings>...] [options]", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> MigrateAsync(params string[] arguments)
    {
        await using var gateway = HerdService.Start("Herd.Gateway", [MigrateCommand.Name, .. arguments]);
        var exitCode = await gateway.WaitForExitAsync(ExitTimeout);
        return (exitCode, gateway.Output);
    }
}
