using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Herd.AppHost.Resources;
using Herd.Contracts.V1;
using Herd.Gateway.Queue;
using Herd.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Herd.Tests.AppHost;

/// <summary>Where the herd keeps its data: its own Redis and PostgreSQL in the state folder, or servers given by connection strings.</summary>
[Collection(OneHerdAtATime.Name)]
public sealed class AppHostStateTests : IDisposable
{
    private const string Model = "herd-tiny";
    private readonly AppHostState _state = new();

    [Fact]
    public async Task Herd_RestartedOnItsStateFolder_KeepsAQueuedJobAndTheLedgersRecords()
    {
        // No nodes: nothing takes the queued job, and a request ends at its deadline, unserved.
        string adminKey;
        IReadOnlyList<string> recordedBefore;
        long depthBefore;
        await using (var first = await HerdAppHost.StartAsync(_state, ["--Herd:Nodes=0"]))
        {
            await first.WaitForHealthyAsync("gateway");
            adminKey = await _state.AdminKeyAsync(HerdAppHost.StartTimeout);
            using var channel = GrpcChannel.ForAddress(first.GatewayGrpc);
            await Assert.ThrowsAsync<RpcException>(() => CompleteUnservedAsync(channel, adminKey));
            recordedBefore = await WaitForRecordsAsync(channel, adminKey);

            // Queued the way another gateway of the herd queues a job.
            using var redis = await ConnectionMultiplexer.ConnectAsync((await first.App.GetConnectionStringAsync("redis"))!);
            var queue = new JobQueue(redis, Options.Create(new QueueOptions()));
            await queue.EnqueueAsync(new QueuedJob("kept-job", Model, 0, "another-gateway", new byte[] { 1 }));
            depthBefore = await queue.DepthAsync(Model);
        }

        await using var second = await HerdAppHost.StartAsync(_state, ["--Herd:Nodes=0"]);
        await second.WaitForHealthyAsync("gateway");
        using var restartedChannel = GrpcChannel.ForAddress(second.GatewayGrpc);
        var recordedAfter = await ListMineAsync(restartedChannel, adminKey);
        using var restartedRedis = await ConnectionMultiplexer.ConnectAsync((await second.App.GetConnectionStringAsync("redis"))!);
        var restartedQueue = new JobQueue(restartedRedis, Options.Create(new QueueOptions()));
        var depthAfter = await restartedQueue.DepthAsync(Model);
        var removal = await restartedQueue.RemoveIfQueuedAsync("kept-job");

        Assert.Equal(1, depthBefore);
        Assert.Equal(1, depthAfter);
        Assert.Equal(RemoveOutcome.Removed, removal.Outcome);
        Assert.NotEmpty(recordedBefore);
        Assert.Equal(recordedBefore, recordedAfter);
    }

    [Fact]
    public async Task Herd_RunsItsOwnServers_WithPasswords_AndPostgreSqlAsItsOwnUser()
    {
        await using var herd = await HerdAppHost.StartAsync(_state, ["--Herd:Nodes=0"]);
        await herd.WaitForHealthyAsync("gateway");
        var redisConnection = (await herd.App.GetConnectionStringAsync("redis"))!;
        var ledgerConnection = new NpgsqlConnectionStringBuilder(await herd.App.GetConnectionStringAsync("ledger"));
        var withoutRedisPassword = await Assert.ThrowsAnyAsync<RedisException>(() => ConnectionMultiplexer.ConnectAsync(redisConnection.Split(",password=")[0]));
        ledgerConnection.Password = "not-the-password";
        var withoutLedgerPassword = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(ledgerConnection.ConnectionString));
        var postgresOwner = File.ReadAllLines($"/proc/{Program(herd, "postgres")}/status").Single(line => line.StartsWith("Uid:", StringComparison.Ordinal));

        Assert.Contains(",password=", redisConnection, StringComparison.Ordinal);
        Assert.Equal("herd", ledgerConnection.Database);
        Assert.Equal(PostgresInstance.Superuser, ledgerConnection.Username);
        Assert.NotNull(withoutRedisPassword);
        Assert.Equal(PostgresErrorCodes.InvalidPassword, withoutLedgerPassword.SqlState);
        Assert.True(Directory.Exists(Path.Combine(_state.Folder, "redis", "appendonlydir")), "Redis keeps no append-only file in the state folder");
        Assert.True(File.Exists(Path.Combine(_state.Folder, "postgres", "data", "PG_VERSION")), "PostgreSQL keeps no data in the state folder");
        if (Posix.IsRoot)
        {
            Assert.DoesNotContain("\t0\t", postgresOwner, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Herd_GivenConnectionStrings_UsesThoseServers_AndStartsNoneOfItsOwn()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var postgres = await PostgresServer.StartAsync();
        var ledger = await postgres.CreateDatabaseAsync("existing_ledger");
        await using var herd = await HerdAppHost.StartAsync(_state, ["--Herd:Nodes=0", $"--ConnectionStrings:redis={redis.ConnectionString}", $"--ConnectionStrings:ledger={ledger}"]);
        await herd.WaitForHealthyAsync("gateway");
        var adminKey = await _state.AdminKeyAsync(HerdAppHost.StartTimeout);
        using var channel = GrpcChannel.ForAddress(herd.GatewayGrpc);
        var keys = await new Keys.KeysClient(channel).ListKeysAsync(new ListKeysRequest(), HerdAppHost.Authorization(adminKey));
        var keysInGivenLedger = await CountAsync(ledger, "SELECT count(*) FROM api_keys");
        using var redisConnection = await redis.ConnectAsync();
        var herdKeysInGivenRedis = redisConnection.GetServer(redisConnection.GetEndPoints()[0]).Keys(pattern: "herd:*").Count();
        var processes = herd.App.Services.GetRequiredService<Aspire.Hosting.ApplicationModel.DistributedApplicationModel>().Resources
            .Where(resource => resource is Aspire.Hosting.ApplicationModel.ExecutableResource or Aspire.Hosting.ApplicationModel.ProjectResource)
            .Select(resource => resource.Name);

        Assert.Single(keys.Keys);
        Assert.Equal(1, keysInGivenLedger);
        Assert.True(herdKeysInGivenRedis > 0, "the gateway keeps nothing in the given Redis");
        Assert.DoesNotContain("redis", processes);
        Assert.DoesNotContain("postgres", processes);
        Assert.False(Directory.Exists(Path.Combine(_state.Folder, "redis")), "the app host made a Redis of its own");
        Assert.False(Directory.Exists(Path.Combine(_state.Folder, "postgres")), "the app host made a PostgreSQL of its own");
    }

    public void Dispose() => _state.Dispose();

    private static int Program(HerdAppHost herd, string resource) =>
        herd.Notifications.TryGetCurrentState(resource, out var current) && HerdAppHost.ProcessId(current) is { } processId
            ? processId
            : throw new InvalidOperationException($"{resource} is not running.");

    private static async Task OpenAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task CompleteUnservedAsync(GrpcChannel channel, string key)
    {
        var request = new CompletionRequest { Model = Model, Prompt = "kept in the ledger", Sampling = new SamplingParams { MaxTokens = 1 } };
        using var call = new Completions.CompletionsClient(channel).Complete(request, HerdAppHost.Authorization(key), deadline: DateTime.UtcNow.AddSeconds(5));
        await foreach (var _ in call.ResponseStream.ReadAllAsync())
        {
            // No node serves it: the call ends at its deadline.
        }
    }

    /// <summary>Waits for the request to land in the ledger (through the usage outbox), and lists it.</summary>
    private static async Task<IReadOnlyList<string>> WaitForRecordsAsync(GrpcChannel channel, string key)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var recorded = await ListMineAsync(channel, key);
            if (recorded.Count > 0 || DateTime.UtcNow > deadline)
            {
                return recorded;
            }

            await Task.Delay(200);
        }
    }

    private static async Task<IReadOnlyList<string>> ListMineAsync(GrpcChannel channel, string key)
    {
        var request = new ListMineRequest
        {
            From = Timestamp.FromDateTime(DateTime.UtcNow.AddHours(-1)),
            To = Timestamp.FromDateTime(DateTime.UtcNow.AddHours(1)),
        };
        var page = await new Contracts.V1.History.HistoryClient(channel).ListMineAsync(request, HerdAppHost.Authorization(key));
        return [.. page.Entries.Select(entry => $"{entry.RequestId} {entry.Status}")];
    }
}
