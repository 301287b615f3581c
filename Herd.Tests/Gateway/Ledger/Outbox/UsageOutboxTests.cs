using Herd.Gateway.Configuration;
using Herd.Gateway.Ledger;
using Herd.Gateway.Ledger.Outbox;
using Herd.Gateway.Queue;
using Herd.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Tests.Gateway.Ledger.Outbox;

/// <summary>The outbox on a real redis-server: open, close, read, acknowledge, and requests abandoned by a stopped gateway.</summary>
[Collection(WithServers.Name)]
public sealed class UsageOutboxTests(ServersFixture servers) : IAsyncLifetime
{
    private readonly string _prefix = $"outbox-test-{Guid.NewGuid():N}:";
    private ConnectionMultiplexer? _redis;

    private ConnectionMultiplexer Redis => _redis ?? throw new InvalidOperationException("Not connected.");

    public async Task InitializeAsync() => _redis = await servers.Redis.ConnectAsync();

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task Close_MovesTheRecordOntoTheStream_AndEndsTheOpenRequest_AcknowledgedItIsGone()
    {
        var outbox = Outbox();
        await outbox.EnsureWritersGroupAsync();
        await outbox.OpenAsync(Open("req-1", "gateway-a"));

        await outbox.CloseAsync(Ended("req-1"));
        var read = await outbox.ReadAsync("writer-1", 10);
        var openAfter = await OpenIdsAsync(outbox);
        await outbox.AcknowledgeAsync([read[0].Id]);

        Assert.Empty(openAfter);
        Assert.Equal("req-1", UsageOutbox.ReadEntry(Assert.Single(read)).Usage.RequestId);
        Assert.Equal(0, await Redis.GetDatabase().StreamLengthAsync(_prefix + "ledger:outbox"));
        Assert.Empty(await outbox.ReadAsync("writer-1", 10));
    }

    [Fact]
    public async Task Read_GivesBackWhatTheWriterReadAndDidNotAcknowledge_BeforeAnythingNew()
    {
        var outbox = Outbox();
        await outbox.EnsureWritersGroupAsync();
        await outbox.CloseAsync(Ended("req-1"));
        var first = await outbox.ReadAsync("writer-1", 10);

        await outbox.CloseAsync(Ended("req-2"));
        var again = await outbox.ReadAsync("writer-1", 10);
        var otherWriter = await outbox.ReadAsync("writer-2", 10);

        Assert.Equal(first[0].Id, Assert.Single(again).Id);
        Assert.Equal("req-2", UsageOutbox.ReadEntry(Assert.Single(otherWriter)).Usage.RequestId);
    }

    [Fact]
    public async Task Claim_TakesOverWhatAStoppedWriterLeftUnacknowledged()
    {
        var outbox = Outbox();
        await outbox.EnsureWritersGroupAsync();
        await outbox.CloseAsync(Ended("req-1"));
        await outbox.ReadAsync("stopped-writer", 10);
        await Task.Delay(50);

        var claimed = await outbox.ClaimIdleAsync("writer-2", TimeSpan.FromMilliseconds(10), 10);

        Assert.Equal("req-1", UsageOutbox.ReadEntry(Assert.Single(claimed)).Usage.RequestId);
    }

    [Fact]
    public async Task Sweep_RecordsTheRequestsOfAStoppedGatewayAsUnavailable_LeavingLiveAndYoungOnes()
    {
        var outbox = Outbox();
        var queue = new JobQueue(Redis, Options.Create(new QueueOptions { KeyPrefix = _prefix }));
        await queue.RefreshGatewayAsync("gateway-alive", TimeSpan.FromMinutes(1));
        var old = DateTimeOffset.UtcNow.AddMinutes(-5);
        await outbox.OpenAsync(Open("of-stopped", "gateway-stopped", old));
        await outbox.OpenAsync(Open("of-alive", "gateway-alive", old));
        await outbox.OpenAsync(Open("too-young", "gateway-starting", DateTimeOffset.UtcNow));
        await outbox.EnsureWritersGroupAsync();

        var recorded = await Sweeper(outbox, queue).SweepAsync();
        var again = await Sweeper(outbox, queue).SweepAsync();
        var entries = await outbox.ReadAsync("writer-1", 10);

        Assert.Equal((1, 0), (recorded, again));
        var record = UsageOutbox.ReadEntry(Assert.Single(entries)).Usage;
        Assert.Equal(("of-stopped", "UNAVAILABLE", "gateway-stopped", "key-1"), (record.RequestId, record.Status, record.GatewayId, record.KeyId));
        Assert.Contains("stopped before it ended", record.Message, StringComparison.Ordinal);
        Assert.Equal(["of-alive", "too-young"], (await OpenIdsAsync(outbox)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Sweep_LeavesARequestItsGatewayClosedMeanwhile_SoItIsRecordedOnce()
    {
        var outbox = Outbox();
        await outbox.EnsureWritersGroupAsync();
        var open = Open("req-1", "gateway-stopped", DateTimeOffset.UtcNow.AddMinutes(-5));
        await outbox.OpenAsync(open);
        await outbox.CloseAsync(Ended("req-1"));

        var recordedBySweep = await outbox.CloseAbandonedAsync(open, DateTimeOffset.UtcNow);

        Assert.False(recordedBySweep);
        Assert.Equal("OK", UsageOutbox.ReadEntry(Assert.Single(await outbox.ReadAsync("writer-1", 10))).Usage.Status);
    }

    private UsageOutbox Outbox() => new(Redis, _prefix, NullLogger<UsageOutbox>.Instance);

    private AbandonedRequestSweeper Sweeper(UsageOutbox outbox, JobQueue queue) => new(
        outbox,
        queue,
        TimeProvider.System,
        Options.Create(new LedgerOptions()),
        Options.Create(new QueueOptions { KeyPrefix = _prefix }),
        Options.Create(new GatewayOptions { GatewayId = "gateway-sweeping" }),
        NullLogger<AbandonedRequestSweeper>.Instance);

    private static async Task<List<string>> OpenIdsAsync(UsageOutbox outbox)
    {
        var ids = new List<string>();
        await foreach (var open in outbox.OpenRequestsAsync())
        {
            ids.Add(open.RequestId);
        }

        return ids;
    }

    private static OpenRequest Open(string requestId, string gatewayId, DateTimeOffset? receivedAt = null) => new()
    {
        RequestId = requestId,
        GatewayId = gatewayId,
        KeyId = "key-1",
        Role = "user",
        Model = "herd-tiny",
        ReceivedAt = receivedAt ?? DateTimeOffset.UtcNow,
    };

    private static OutboxEntry Ended(string requestId) => new()
    {
        Usage = new UsageRecord { RequestId = requestId, Model = "herd-tiny", Status = "OK", KeyId = "key-1", ReceivedAt = DateTimeOffset.UtcNow, EndedAt = DateTimeOffset.UtcNow },
        Prompt = "hello",
        Completion = "world",
    };
}
