using System.Globalization;
using Herd.Contracts.V1;
using Herd.Gateway.Access.Keys;
using Herd.Gateway.Cli;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using Microsoft.Extensions.DependencyInjection;

namespace Herd.Tests.Gateway.Cli;

/// <summary><c>dotnet Herd.Gateway.dll create-key</c>, run as a real process against a real PostgreSQL.</summary>
[Collection(WithServers.Name)]
public sealed class CreateKeyCommandTests(ServersFixture servers) : IDisposable
{
    private const string Pepper = "a-pepper-of-at-least-thirty-two-characters";
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The usage line of the command's help, which comes with every complaint about its arguments.</summary>
    private const string Usage = "create-key [<gateway settings>...] [options]";

    private readonly string _rolesFolder = Directory.CreateTempSubdirectory("herd-create-key-").FullName;

    public void Dispose() => Directory.Delete(_rolesFolder, recursive: true);

    [Fact]
    public async Task CreateKey_OnARunningGatewaysLedger_PrintsOnlyTheKey_AndTheGatewayLetsItIn()
    {
        await using var gateway = await AccessGatewayHost.StartAsync(servers);

        var run = await CreateKeyAsync(
            "--role", "admin", "--name", "first admin",
            $"--ConnectionStrings:ledger={gateway.LedgerConnectionString}", $"--Herd:Gateway:Access:RolesFile={await RolesFileAsync()}");

        Assert.True(run.ExitCode == 0, run.Output);
        var key = SingleLine(run.StandardOutput);
        Assert.True(ApiKeySecret.TryParse(key, out var parsed, out var problem), problem);
        // ListKeys is an admin method: the call passes only with a valid key of a role that allows it.
        var listed = await gateway.Keys.ListKeysAsync(new ListKeysRequest(), AccessGatewayHost.Bearer(key));
        var created = Assert.Single(listed.Keys, listedKey => listedKey.KeyId == parsed.KeyId);
        Assert.Equal(("first admin", "admin"), (created.Name, created.Role));
        var standardError = run.Output.Replace(key, "", StringComparison.Ordinal);
        Assert.Contains($"Created API key {parsed.KeyId} with role admin, named 'first admin'", standardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateKey_NewDatabase_IsMigrated_AndTheKeyVerifiesWithItsRole_HashedWithTheConfiguredPepper()
    {
        var connectionString = await servers.Postgres.CreateDatabaseAsync($"ledger_{Guid.NewGuid():N}");

        // No roles file named: the gateway's default, roles.yaml beside it, which has a user role.
        var run = await CreateKeyAsync("--role=user", "--name=notebook", $"--ConnectionStrings:ledger={connectionString}", $"--Herd:Gateway:Access:KeyPepper={Pepper}");

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("Migrated the ledger", run.Output, StringComparison.Ordinal);
        await using var ledger = LedgerHost.Build(connectionString, new Dictionary<string, string?> { ["Herd:Gateway:Access:KeyPepper"] = Pepper });
        var verification = await ledger.Services.GetRequiredService<ApiKeyStore>().VerifyAsync(SingleLine(run.StandardOutput));
        Assert.True(verification.IsValid, verification.Reason);
        Assert.Equal(("notebook", "user", true), (verification.Key.Name, verification.Key.Role, verification.Key.SecretPeppered));
    }

    [Fact]
    public async Task CreateKey_NewDatabase_WithMigrateOnStartOff_ExitsOne_SayingToRunMigrate()
    {
        var connectionString = await servers.Postgres.CreateDatabaseAsync($"ledger_{Guid.NewGuid():N}");

        var run = await CreateKeyAsync("--role", "admin", "--name", "first admin", $"--ConnectionStrings:ledger={connectionString}", "--Herd:Gateway:Ledger:MigrateOnStart=false");

        Assert.True(run.ExitCode == GatewayCommandLine.Failed, run.Output);
        Assert.Contains("is not migrated", run.Output, StringComparison.Ordinal);
        Assert.Contains("run `dotnet Herd.Gateway.dll migrate` first", run.Output, StringComparison.Ordinal);
        Assert.Empty(run.StandardOutput);
        Assert.Empty(await RawSql.TablesAsync(connectionString));
    }

    [Fact]
    public async Task CreateKey_UnknownRole_ExitsTwo_NamingTheRolesOfTheFile_AndCreatesNoKey()
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        var rolesFile = await RolesFileAsync();

        var run = await CreateKeyAsync("--role", "auditor", "--name", "audits", $"--ConnectionStrings:ledger={ledger.ConnectionString}", $"--Herd:Gateway:Access:RolesFile={rolesFile}");

        Assert.True(run.ExitCode == GatewayCommandLine.BadUsage, run.Output);
        Assert.Contains($"The role 'auditor' is not in the roles file {rolesFile}; use one of: admin, user.", run.Output, StringComparison.Ordinal);
        Assert.Empty(run.StandardOutput);
        Assert.Empty(await ledger.Services.GetRequiredService<ApiKeyStore>().ListAsync());
    }

    [Fact]
    public async Task CreateKey_WithoutConnectionString_ExitsTwo_SayingWhatToSet()
    {
        var run = await CreateKeyAsync("--role", "admin", "--name", "first admin");

        Assert.True(run.ExitCode == GatewayCommandLine.BadUsage, run.Output);
        Assert.Contains("ConnectionStrings:ledger is not set", run.Output, StringComparison.Ordinal);
        Assert.Empty(run.StandardOutput);
    }

    [Fact]
    public async Task CreateKey_LedgerDown_ExitsOne_NamingWhere_WithoutPasswordOrStackTrace()
    {
        var port = FreePort.Next();

        var run = await CreateKeyAsync(
            "--role", "admin", "--name", "first admin",
            string.Create(CultureInfo.InvariantCulture, $"--ConnectionStrings:ledger=Host=127.0.0.1;Port={port};Database=nowhere;Username=herd;Password=hunter2;Timeout=2"));

        Assert.True(run.ExitCode == GatewayCommandLine.Failed, run.Output);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"the ledger at 127.0.0.1:{port}/nowhere cannot be reached"), run.Output, StringComparison.Ordinal);
        Assert.Contains("Check ConnectionStrings:ledger and that PostgreSQL is up", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal);
        Assert.Empty(run.StandardOutput);
    }

    [Theory]
    [InlineData("Option '--role' is required.", "--name", "first admin")]
    [InlineData("Option '--name' is required.", "--role", "admin")]
    [InlineData("Required argument missing for option: '--name'.", "--role", "admin", "--name")]
    [InlineData("--name needs a value, and what follows it starts with --", "--role", "admin", "--name", "--ConnectionStrings:ledger=Host=db;Password=hunter2")]
    [InlineData("Option '--role' expects a single argument but 2 were provided.", "--role", "admin", "--role", "user", "--name", "first admin")]
    [InlineData("--owner is not supported", "--role", "admin", "--name", "first admin", "--owner", "ops")]
    [InlineData("Unexpected argument 'admin'", "admin", "--name", "first admin")]
    public async Task CreateKey_BadArguments_ExitTwo_SayingWhatIsWrong_WithTheUsage(string expected, params string[] arguments)
    {
        var run = await CreateKeyAsync(arguments);

        Assert.True(run.ExitCode == GatewayCommandLine.BadUsage, run.Output);
        Assert.Contains(expected, run.Output, StringComparison.Ordinal);
        Assert.Contains(Usage, run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", run.Output, StringComparison.Ordinal);
        Assert.Empty(run.StandardOutput);
    }

    [Fact]
    public async Task CreateKey_Help_PrintsTheUsage_OnStandardOutput_AndExitsZero()
    {
        var run = await CreateKeyAsync("--help");

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains(Usage, run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("--role <role> (REQUIRED)", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("--ConnectionStrings:ledger=", run.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>The one line of standard output, which must hold nothing else.</summary>
    private static string SingleLine(string standardOutput)
    {
        var lines = standardOutput.Split(Environment.NewLine);
        Assert.Equal(2, lines.Length);
        Assert.Equal("", lines[1]);
        return lines[0];
    }

    private async Task<string> RolesFileAsync()
    {
        var path = Path.Combine(_rolesFolder, "roles.yaml");
        await File.WriteAllTextAsync(path, AccessGatewayHost.Roles);
        return path;
    }

    private static async Task<Run> CreateKeyAsync(params string[] arguments)
    {
        await using var gateway = HerdService.Start("Herd.Gateway", [CreateKeyCommand.Name, .. arguments]);
        var exitCode = await gateway.WaitForExitAsync(ExitTimeout);
        return new Run(exitCode, gateway.Output, gateway.StandardOutput);
    }

    private sealed record Run(int ExitCode, string Output, string StandardOutput);
}
