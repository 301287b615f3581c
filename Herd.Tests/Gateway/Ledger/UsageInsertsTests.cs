using Herd.Gateway.Access.Keys;
using Herd.Gateway.Ledger;
using Herd.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Herd.Tests.Gateway.Ledger;

[Collection(WithServers.Name)]
public sealed class UsageInsertsTests(ServersFixture servers)
{
    private static readonly DateTimeOffset Received = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Insert_SameRequestIdTwice_KeepsOneRow_TheFirst()
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        var first = Usage("req-1", completionTokens: 10);
        var redelivered = Usage("req-1", completionTokens: 99);

        bool[] inserted;
        await using (var context = ledger.CreateContext())
        {
            inserted = [await context.InsertUsageIfNewAsync(first), await context.InsertUsageIfNewAsync(redelivered)];
        }

        await using var reader = ledger.CreateContext();
        var rows = await reader.Usage.Where(usage => usage.RequestId == "req-1").ToListAsync();
        Assert.Equal([true, false], inserted);
        Assert.Equal(10, Assert.Single(rows).CompletionTokens);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Insert_EveryField_ReadsBackTheSame(bool inABatch)
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        var usage = new UsageRecord
        {
            RequestId = "req-full",
            ClientRequestId = "client-7",
            GatewayId = "gateway-2",
            KeyId = "abcdefghij01",
            Role = "analyst",
            Model = "herd-tiny:auto",
            Adapters = "code@0.7312,qa@0.2688",
            NodeId = "node-7",
            PromptTokens = 123,
            CompletionTokens = 456,
            QueueWait = TimeSpan.FromMilliseconds(12.345),
            TimeToFirstToken = TimeSpan.FromMilliseconds(67.891),
            TotalTime = TimeSpan.FromSeconds(2.5),
            FinishReason = "length",
            Status = "CANCELLED",
            Message = "the client cancelled",
            Door = UsageRecord.HttpDoor,
            PromptId = "summarize",
            PromptVersion = "1.0",
            ParentRequestId = "chain-run-1",
            Fee = 0.000123456789m,
            // Not UTC on purpose: the insert stores the instant.
            ReceivedAt = new DateTimeOffset(2026, 3, 1, 13, 0, 0, TimeSpan.FromHours(1)),
            EndedAt = Received.AddSeconds(2.5),
        };

        await using (var context = ledger.CreateContext())
        {
            if (inABatch)
            {
                await context.InsertUsageBatchAsync([(usage, null)]);
            }
            else
            {
                await context.InsertUsageIfNewAsync(usage);
            }
        }

        await using var reader = ledger.CreateContext();
        var stored = await reader.Usage.SingleAsync(record => record.RequestId == "req-full");
        // Every property set, so that one added later without a column in the insert fails here.
        var properties = typeof(UsageRecord).GetProperties();
        Assert.All(properties, property => Assert.NotEqual(DefaultOf(property.PropertyType), property.GetValue(usage)));
        Assert.All(properties, property => Assert.Equal(property.GetValue(usage), property.GetValue(stored)));
    }

    [Fact]
    public async Task Insert_WithHistory_KeepsTheText_OnceOnly()
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        var key = await ledger.Services.GetRequiredService<ApiKeyStore>().CreateAsync("keeps history", "analyst");

        await using (var context = ledger.CreateContext())
        {
            await context.InsertUsageIfNewAsync(Usage("req-h", keyId: key.Key.Id), History("req-h", "first"));
            await context.InsertUsageIfNewAsync(Usage("req-h", keyId: key.Key.Id), History("req-h", "redelivered"));
        }

        await using var reader = ledger.CreateContext();
        Assert.Equal("first", Assert.Single(await reader.History.ToListAsync()).Prompt);
    }

    [Fact]
    public async Task Insert_KeyOptedOutOfHistory_KeepsUsageButNoText()
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        var key = await ledger.Services.GetRequiredService<ApiKeyStore>().CreateAsync("private", "analyst", historyOptOut: true);

        bool inserted;
        await using (var context = ledger.CreateContext())
        {
            inserted = await context.InsertUsageIfNewAsync(Usage("req-p", keyId: key.Key.Id), History("req-p", "do not keep me"));
        }

        await using var reader = ledger.CreateContext();
        Assert.True(inserted);
        Assert.Single(await reader.Usage.ToListAsync());
        Assert.Empty(await reader.History.ToListAsync());
    }

    [Fact]
    public async Task Batch_InsertsTheNewRecords_SkipsThoseThere_AndKeepsTextOnlyForKeysThatAllowIt()
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        var keys = ledger.Services.GetRequiredService<ApiKeyStore>();
        var keeping = await keys.CreateAsync("keeps", "analyst");
        var optedOut = await keys.CreateAsync("private", "analyst", historyOptOut: true);
        await using (var context = ledger.CreateContext())
        {
            await context.InsertUsageIfNewAsync(Usage("req-there", completionTokens: 1), History("req-there", "first text"));
        }

        int inserted;
        await using (var context = ledger.CreateContext())
        {
            inserted = await context.InsertUsageBatchAsync(
            [
                (Usage("req-there", completionTokens: 99), History("req-there", "second text")),
                (Usage("req-kept", keyId: keeping.Key.Id), History("req-kept", "keep me")),
                (Usage("req-private", keyId: optedOut.Key.Id), History("req-private", "do not keep me")),
                (Usage("req-keyless"), null),
            ]);
        }

        await using var reader = ledger.CreateContext();
        var usage = await reader.Usage.ToDictionaryAsync(record => record.RequestId);
        var history = await reader.History.ToDictionaryAsync(entry => entry.RequestId);
        Assert.Equal(3, inserted);
        Assert.Equal(["req-kept", "req-keyless", "req-private", "req-there"], usage.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1, usage["req-there"].CompletionTokens);
        Assert.Equal(["req-kept", "req-there"], history.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("keep me", "first text"), (history["req-kept"].Prompt, history["req-there"].Prompt));
    }

    [Fact]
    public async Task Insert_HistoryOfAnotherRequest_IsRefusedSayingSo()
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        await using var context = ledger.CreateContext();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => context.InsertUsageIfNewAsync(Usage("req-a"), History("req-b", "text")));

        Assert.Contains("req-a", error.Message, StringComparison.Ordinal);
        Assert.Contains("req-b", error.Message, StringComparison.Ordinal);
        Assert.Empty(await context.Usage.ToListAsync());
    }

    private static UsageRecord Usage(string requestId, int completionTokens = 5, string? keyId = null) => new()
    {
        RequestId = requestId,
        KeyId = keyId,
        Role = keyId is null ? null : "analyst",
        Model = "herd-tiny",
        NodeId = "node-1",
        PromptTokens = 3,
        CompletionTokens = completionTokens,
        QueueWait = TimeSpan.FromMilliseconds(4),
        TimeToFirstToken = TimeSpan.FromMilliseconds(20),
        TotalTime = TimeSpan.FromMilliseconds(100),
        FinishReason = "stop",
        Status = "OK",
        Fee = 0.5m,
        ReceivedAt = Received,
        EndedAt = Received.AddMilliseconds(100),
    };

    private static object? DefaultOf(Type type) => type.IsValueType && Nullable.GetUnderlyingType(type) is null ? Activator.CreateInstance(type) : null;

    private static HistoryEntry History(string requestId, string prompt) => new() { RequestId = requestId, Prompt = prompt, Completion = "an answer" };
}
