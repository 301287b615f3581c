using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Net.Client;
using Herd.AppHost.Hosting;
using Herd.Contracts.V1;
using Herd.Tests.Fixtures;
using Npgsql;

namespace Herd.Tests.AppHost;

public sealed partial class AppHostProcessTests : IDisposable
{
    private readonly string _modelCache = Directory.CreateTempSubdirectory("herd-models-").FullName;

    [Fact]
    public async Task AppHost_StartsRedisLedgerGatewayAndNode_LinksThem_AndStopsThemAllOnSigint()
    {
        // The resources inherit the app host's environment: the node generates herd-tiny here.
        await using var appHost = HerdService.Start("Herd.AppHost", [], new Dictionary<string, string> { ["HERD_MODEL_CACHE"] = _modelCache });
        await appHost.WaitForOutputAsync(output => ResourceRow().Count(output) == 4, HerdService.StartTimeout);
        await appHost.WaitForOutputAsync(output => output.Contains("Linked to gateway", StringComparison.Ordinal), HerdService.StartTimeout);
        var rows = ResourceRow().Matches(appHost.Output).ToDictionary(row => row.Groups["name"].Value);
        var gatewayHttp = Regex.Match(rows["gateway"].Groups["endpoints"].Value, @"http=(\S+)").Groups[1].Value;
        var gatewayGrpc = Regex.Match(rows["gateway"].Groups["endpoints"].Value, @"grpc=(\S+)").Groups[1].Value;

        using var http = new HttpClient();
        var health = await http.GetAsync(new Uri(gatewayHttp + "/health"));
        var ledgerPort = int.Parse(Regex.Match(rows["ledger"].Groups["endpoints"].Value, @"tcp=tcp://127\.0\.0\.1:(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        var ledgerUser = await LedgerUserAsync(ledgerPort, await File.ReadAllTextAsync(Path.Combine(HerdService.RepositoryRoot(), ".herd", "ledger", "password")));
        var withoutPassword = await Assert.ThrowsAsync<PostgresException>(() => LedgerUserAsync(ledgerPort, "not-the-password"));
        var adminKey = await BootstrapKeyAsync(TimeSpan.FromSeconds(60));
        await appHost.WaitForOutputAsync(output => output.Contains("Try it:", StringComparison.Ordinal), HerdService.StartTimeout);
        var tryIt = TryItCommand().Match(appHost.Output);
        await using var complete = HerdService.Start("Herd.AppHost", ["complete", "--gateway", tryIt.Groups["gateway"].Value, "--key", tryIt.Groups["key"].Value, "--prompt", "Hello, herd", "--max-tokens", "4"]);
        var completeExit = await complete.WaitForExitAsync(TimeSpan.FromSeconds(60));
        using var channel = GrpcChannel.ForAddress(gatewayGrpc);
        var catalog = new Catalog.CatalogClient(channel);
        var models = await catalog.ListModelsAsync(new ListModelsRequest(), new Metadata { { "authorization", "Bearer " + adminKey } });
        var withoutKey = await Assert.ThrowsAsync<RpcException>(async () => await catalog.ListModelsAsync(new ListModelsRequest()));
        var exitCode = await appHost.StopAsync(Posix.SigInt, TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("herd", ledgerUser);
        Assert.Equal(PostgresErrorCodes.InvalidPassword, withoutPassword.SqlState);
        Assert.Contains(models.Models, model => model.Name == "herd-tiny");
        Assert.Equal((gatewayGrpc, adminKey), (tryIt.Groups["gateway"].Value, tryIt.Groups["key"].Value));
        Assert.True(completeExit == 0, complete.Output);
        Assert.Contains("[length: ", complete.Output, StringComparison.Ordinal);
        Assert.Contains(" + 4 completion tokens on ", complete.Output, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unauthenticated, withoutKey.StatusCode);
        Assert.Equal(0, exitCode);
        Assert.False(IsRunning(rows["gateway"]), "the gateway outlived the app host");
        Assert.False(IsRunning(rows["node"]), "the node outlived the app host");
        Assert.False(IsRunning(rows["redis"]), "redis outlived the app host");
        Assert.False(IsRunning(rows["ledger"]), "the ledger's PostgreSQL outlived the app host");
    }

    [Fact]
    public async Task AppHost_RestartsAKilledNode_WhichLinksAgain_AndStopsItOnSigint()
    {
        await using var appHost = HerdService.Start("Herd.AppHost", [], new Dictionary<string, string> { ["HERD_MODEL_CACHE"] = _modelCache });
        await appHost.WaitForOutputAsync(output => ResourceRow().Count(output) == 4, HerdService.StartTimeout);
        await appHost.WaitForOutputAsync(output => LinkedCount(output) == 1, HerdService.StartTimeout);
        var node = ResourceRow().Matches(appHost.Output).Single(row => row.Groups["name"].Value == "node");

        Posix.Signal(int.Parse(node.Groups["pid"].Value, CultureInfo.InvariantCulture), Posix.SigKill);
        await appHost.WaitForOutputAsync(output => RestartedNode().IsMatch(output) && LinkedCount(output) == 2, HerdService.StartTimeout);
        var restartedPid = int.Parse(RestartedNode().Match(appHost.Output).Groups["pid"].Value, CultureInfo.InvariantCulture);
        var restartedWhileRunning = Directory.Exists($"/proc/{restartedPid}");
        var exitCode = await appHost.StopAsync(Posix.SigInt, TimeSpan.FromSeconds(60));

        Assert.Contains("node exited with code", appHost.Output, StringComparison.Ordinal);
        Assert.True(restartedWhileRunning, "the restarted node was not running");
        Assert.Equal(0, exitCode);
        Assert.False(Directory.Exists($"/proc/{restartedPid}"), "the restarted node outlived the app host");
    }

    public void Dispose() => Directory.Delete(_modelCache, recursive: true);

    private static int LinkedCount(string output) => Regex.Count(output, "Linked to gateway");

    /// <summary>The admin key the gateway writes to <c>.herd/admin.key</c> on the herd's first start.</summary>
    private static async Task<string> BootstrapKeyAsync(TimeSpan timeout)
    {
        var path = Path.Combine(HerdService.RepositoryRoot(), ".herd", "admin.key");
        return await BootstrapKeyFile.ReadAsync(path, timeout) ?? throw new TimeoutException($"The gateway wrote no admin key to {path} within {timeout}.");
    }

    /// <summary>Connects to the app host's PostgreSQL as its superuser and asks who it is.</summary>
    private static async Task<string?> LedgerUserAsync(int port, string password)
    {
        var connectionString = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "herd", Password = password.Trim(), Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(connectionString.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_user", connection);
        return (string?)await command.ExecuteScalarAsync();
    }

    private static bool IsRunning(Match row) =>
        Directory.Exists($"/proc/{int.Parse(row.Groups["pid"].Value, CultureInfo.InvariantCulture)}");

    /// <summary>The command line the app host prints to try the herd.</summary>
    [GeneratedRegex(@"complete --gateway (?<gateway>\S+) --key (?<key>\S+) --prompt")]
    private static partial Regex TryItCommand();

    [GeneratedRegex(@"Restarted node \(process (?<pid>\d+)\)")]
    private static partial Regex RestartedNode();

    /// <summary>A row of the resource table the app host prints once the herd is up.</summary>
    [GeneratedRegex(@"^\s*(?<name>redis|ledger|gateway|node)\s+Running\s+(?<pid>\d+)\s+(?<endpoints>.+)$", RegexOptions.Multiline)]
    private static partial Regex ResourceRow();
}
