using Grpc.Core;
using Grpc.Net.Client;
using Herd.Contracts.V1;
using Herd.Tests.Fixtures;
using Npgsql;

namespace Herd.Tests.AppHost;

/// <summary>The app host's command-line options, and servers given by connection strings.</summary>
public sealed class AppHostOptionsTests : IDisposable
{
    private readonly AppHostState _state = new();

    [Fact]
    public async Task AppHost_RefusesBadOptions_WithOneMessagePerProblem_AndStartsNothing()
    {
        await using var appHost = _state.Start([
            "--nodes", "-1", "--gateways", "0", "--capacity", "lots", "--group", "Team A",
            "--device", "tpu", "--otlp-endpoint", "collector:4317", "--model", "./no-such-model-folder",
        ]);
        var exitCode = await appHost.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, exitCode);
        Assert.Contains("--nodes '-1' is not a whole number from 0 to 64.", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("--gateways '0' is not a whole number from 1 to 16.", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("--capacity 'lots' is not a whole number from 0 to 1024.", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("--group 'Team A' is not a node group name", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("--device 'tpu' is not one of auto, cpu, cuda.", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("--otlp-endpoint 'collector:4317' is not an http:// or https:// URL", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("--model './no-such-model-folder' is not a folder", appHost.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_state.Folder), "the app host made its state folder although it refused to start");
    }

    [Fact]
    public async Task AppHost_GivenConnectionStrings_UsesThoseServers_AndStartsNoneOfItsOwn()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var postgres = await PostgresServer.StartAsync();
        var ledger = await postgres.CreateDatabaseAsync("existing_ledger");
        await using var appHost = _state.Start(["--nodes", "0"], new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["ConnectionStrings__ledger"] = ledger,
        });
        await appHost.WaitForOutputAsync(output => AppHostOutput.RowCount(output) == 1, HerdService.StartTimeout);
        var rows = AppHostOutput.Rows(appHost.Output);
        var adminKey = await _state.AdminKeyAsync(TimeSpan.FromSeconds(60));
        using var channel = GrpcChannel.ForAddress(rows["gateway"].Url("grpc"));
        var keys = await new Keys.KeysClient(channel).ListKeysAsync(new ListKeysRequest(), new Metadata { { "authorization", "Bearer " + adminKey } });
        var keysInGivenLedger = await CountAsync(ledger, "SELECT count(*) FROM api_keys");
        using var redisConnection = await redis.ConnectAsync();
        var herdKeysInGivenRedis = redisConnection.GetServer(redisConnection.GetEndPoints()[0]).Keys(pattern: "herd:*").Count();
        var exitCode = await appHost.StopAsync(Posix.SigInt, TimeSpan.FromSeconds(60));

        Assert.Equal(["gateway"], rows.Keys);
        Assert.Single(keys.Keys);
        Assert.Equal(1, keysInGivenLedger);
        Assert.True(herdKeysInGivenRedis > 0, "the gateway keeps nothing in the given Redis");
        Assert.False(Directory.Exists(Path.Combine(_state.Folder, "redis")), "the app host made a Redis of its own");
        Assert.False(Directory.Exists(Path.Combine(_state.Folder, "postgres")), "the app host made a PostgreSQL of its own");
        Assert.Equal(0, exitCode);
    }

    public void Dispose() => _state.Dispose();

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
