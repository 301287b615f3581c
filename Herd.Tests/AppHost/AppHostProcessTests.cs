using System.Net;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Net.Client;
using Herd.Contracts.V1;
using Herd.Tests.Fixtures;
using Npgsql;

namespace Herd.Tests.AppHost;

public sealed partial class AppHostProcessTests : IDisposable
{
    private readonly AppHostState _state = new();

    [Fact]
    public async Task AppHost_StartsRedisPostgresGatewayAndTwoNodes_LinksThem_AndCtrlCStopsThemAllInReverseOrder()
    {
        await using var appHost = _state.Start(["--nodes", "2"], ownSession: true);
        await appHost.WaitForOutputAsync(output => AppHostOutput.RowCount(output) == 5, HerdService.StartTimeout);
        await appHost.WaitForOutputAsync(output => LinkedCount(output) == 2, HerdService.StartTimeout);
        var rows = AppHostOutput.Rows(appHost.Output);
        var gatewayGrpc = rows["gateway"].Url("grpc");

        using var http = new HttpClient();
        var health = await http.GetAsync(new Uri(rows["gateway"].Url("http") + "/health"));
        var ledgerPort = rows["postgres"].Port("tcp");
        var ledgerUser = await LedgerUserAsync(ledgerPort, await File.ReadAllTextAsync(Path.Combine(_state.Folder, "postgres", "password")));
        var withoutPassword = await Assert.ThrowsAsync<PostgresException>(() => LedgerUserAsync(ledgerPort, "not-the-password"));
        var adminKey = await _state.AdminKeyAsync(TimeSpan.FromSeconds(60));
        await appHost.WaitForOutputAsync(output => output.Contains("Try it:", StringComparison.Ordinal), HerdService.StartTimeout);
        var tryIt = TryItCommand().Match(appHost.Output);
        await using var complete = HerdService.Start("Herd.AppHost", ["complete", "--gateway", tryIt.Groups["gateway"].Value, "--key", tryIt.Groups["key"].Value, "--prompt", "Hello, herd", "--max-tokens", "4"]);
        var completeExit = await complete.WaitForExitAsync(TimeSpan.FromSeconds(60));
        using var channel = GrpcChannel.ForAddress(gatewayGrpc);
        var authorization = new Metadata { { "authorization", "Bearer " + adminKey } };
        var models = await new Catalog.CatalogClient(channel).ListModelsAsync(new ListModelsRequest(), authorization);
        var nodes = await new Catalog.CatalogClient(channel).ListNodesAsync(new ListNodesRequest(), authorization);
        var withoutKey = await Assert.ThrowsAsync<RpcException>(async () => await new Catalog.CatalogClient(channel).ListModelsAsync(new ListModelsRequest()));

        // Ctrl-C in a terminal: SIGINT to the app host's whole process group.
        Posix.Signal(-appHost.Id, Posix.SigInt);
        var exitCode = await appHost.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var stopped = StoppedLine().Matches(appHost.Output).Select(line => line.Groups["name"].Value).ToList();

        Assert.Equal(["gateway", "node-0", "node-1", "postgres", "redis"], rows.Keys.Order());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("herd", ledgerUser);
        Assert.Equal(PostgresErrorCodes.InvalidPassword, withoutPassword.SqlState);
        Assert.Contains(models.Models, model => model.Name == "herd-tiny");
        Assert.Equal(["node-0", "node-1"], nodes.Nodes.Select(node => node.NodeId).Order());
        Assert.Equal((gatewayGrpc, adminKey), (tryIt.Groups["gateway"].Value, tryIt.Groups["key"].Value));
        Assert.True(completeExit == 0, complete.Output);
        Assert.Contains("[length: ", complete.Output, StringComparison.Ordinal);
        Assert.Contains(" + 4 completion tokens on ", complete.Output, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unauthenticated, withoutKey.StatusCode);
        Assert.Equal(0, exitCode);
        Assert.Equal(["node-1", "node-0", "gateway", "postgres", "redis"], stopped);
        // Redis heard only the app host's SIGTERM, after the gateway had gone, not the terminal's SIGINT.
        Assert.Contains("Received SIGTERM", appHost.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Received SIGINT", appHost.Output, StringComparison.Ordinal);
        Assert.All(rows.Values, row => Assert.False(AppHostOutput.IsRunning(row.ProcessId), $"{row.Name} outlived the app host"));
    }

    [Fact]
    public async Task AppHost_RestartsAKilledNode_WhichLinksAgain_AndStopsItOnSigint()
    {
        await using var appHost = _state.Start([]);
        await appHost.WaitForOutputAsync(output => AppHostOutput.RowCount(output) == 4, HerdService.StartTimeout);
        await appHost.WaitForOutputAsync(output => LinkedCount(output) == 1, HerdService.StartTimeout);
        var node = AppHostOutput.Rows(appHost.Output)["node"];

        Posix.Signal(node.ProcessId, Posix.SigKill);
        await appHost.WaitForOutputAsync(output => RestartedNode().IsMatch(output) && LinkedCount(output) == 2, HerdService.StartTimeout);
        var restartedPid = int.Parse(RestartedNode().Match(appHost.Output).Groups["pid"].Value, System.Globalization.CultureInfo.InvariantCulture);
        var restartedWhileRunning = AppHostOutput.IsRunning(restartedPid);
        var exitCode = await appHost.StopAsync(Posix.SigInt, TimeSpan.FromSeconds(60));

        Assert.Contains("node exited with code", appHost.Output, StringComparison.Ordinal);
        Assert.True(restartedWhileRunning, "the restarted node was not running");
        Assert.Equal(0, exitCode);
        Assert.False(AppHostOutput.IsRunning(restartedPid), "the restarted node outlived the app host");
    }

    public void Dispose() => _state.Dispose();

    private static int LinkedCount(string output) => Regex.Count(output, "Linked to gateway");

    /// <summary>Connects to the app host's PostgreSQL as its superuser and asks who it is.</summary>
    private static async Task<string?> LedgerUserAsync(int port, string password)
    {
        var connectionString = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "herd", Password = password.Trim(), Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(connectionString.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_user", connection);
        return (string?)await command.ExecuteScalarAsync();
    }

    /// <summary>The command line the app host prints to try the herd.</summary>
    [GeneratedRegex(@"complete --gateway (?<gateway>\S+) --key (?<key>\S+) --prompt")]
    private static partial Regex TryItCommand();

    [GeneratedRegex(@"Stopped (?<name>[a-z][a-z0-9-]*)$", RegexOptions.Multiline)]
    private static partial Regex StoppedLine();

    [GeneratedRegex(@"Restarted node \(process (?<pid>\d+)\)")]
    private static partial Regex RestartedNode();
}
