using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Herd.Contracts.V1;
using Herd.Gateway.Queue;
using Herd.Tests.Fixtures;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Tests.AppHost;

/// <summary>The herd's Redis and PostgreSQL keep their data in the state folder across restarts of the app host.</summary>
public sealed class AppHostPersistenceTests : IDisposable
{
    private const string Model = "herd-tiny";
    private readonly AppHostState _state = new();

    [Fact]
    public async Task AppHost_RestartedOnItsStateFolder_KeepsAQueuedJobAndTheLedgersRecords()
    {
        // No nodes: nothing takes the queued job, and a request ends at its deadline, unserved.
        string adminKey;
        IReadOnlyList<string> recordedBefore;
        long depthBefore;
        await using (var first = _state.Start(["--nodes", "0"]))
        {
            var rows = await WaitForHerdAsync(first);
            adminKey = await _state.AdminKeyAsync(TimeSpan.FromSeconds(60));
            using var channel = GrpcChannel.ForAddress(rows["gateway"].Url("grpc"));
            await Assert.ThrowsAsync<RpcException>(() => CompleteUnservedAsync(channel, adminKey));
            recordedBefore = await WaitForRecordsAsync(channel, adminKey);

            // Queued the way another gateway of the herd queues a job.
            using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{rows["redis"].Port("tcp")}");
            var queue = new JobQueue(redis, Options.Create(new QueueOptions()));
            await queue.EnqueueAsync(new QueuedJob("kept-job", Model, 0, "another-gateway", new byte[] { 1 }));
            depthBefore = await queue.DepthAsync(Model);
            Assert.Equal(0, await first.StopAsync(Posix.SigInt, TimeSpan.FromSeconds(60)));
        }

        await using var second = _state.Start(["--nodes", "0"]);
        var restarted = await WaitForHerdAsync(second);
        using var restartedChannel = GrpcChannel.ForAddress(restarted["gateway"].Url("grpc"));
        var recordedAfter = await ListMineAsync(restartedChannel, adminKey);
        using var restartedRedis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{restarted["redis"].Port("tcp")}");
        var restartedQueue = new JobQueue(restartedRedis, Options.Create(new QueueOptions()));
        var depthAfter = await restartedQueue.DepthAsync(Model);
        var removal = await restartedQueue.RemoveIfQueuedAsync("kept-job");
        var exitCode = await second.StopAsync(Posix.SigInt, TimeSpan.FromSeconds(60));

        Assert.Equal(1, depthBefore);
        Assert.Equal(1, depthAfter);
        Assert.Equal(RemoveOutcome.Removed, removal.Outcome);
        Assert.NotEmpty(recordedBefore);
        Assert.Equal(recordedBefore, recordedAfter);
        Assert.Equal(0, exitCode);
    }

    public void Dispose() => _state.Dispose();

    private static async Task<IReadOnlyDictionary<string, ResourceRow>> WaitForHerdAsync(ChildProcess appHost)
    {
        await appHost.WaitForOutputAsync(output => AppHostOutput.RowCount(output) == 3, HerdService.StartTimeout);
        return AppHostOutput.Rows(appHost.Output);
    }

    private static async Task CompleteUnservedAsync(GrpcChannel channel, string key)
    {
        var request = new CompletionRequest { Model = Model, Prompt = "kept in the ledger", Sampling = new SamplingParams { MaxTokens = 1 } };
        using var call = new Completions.CompletionsClient(channel).Complete(request, Authorization(key), deadline: DateTime.UtcNow.AddSeconds(5));
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
        var page = await new Herd.Contracts.V1.History.HistoryClient(channel).ListMineAsync(request, Authorization(key));
        return [.. page.Entries.Select(entry => $"{entry.RequestId} {entry.Status}")];
    }

    private static Metadata Authorization(string key) => new() { { "authorization", "Bearer " + key } };
}
