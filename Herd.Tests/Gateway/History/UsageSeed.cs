using Google.Protobuf.WellKnownTypes;
using Herd.Gateway.Ledger;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Gateway.History;

/// <summary>Writes usage records the way the gateway records requests (<see cref="UsageInserts"/>), for the tests to read back.</summary>
internal static class UsageSeed
{
    /// <summary>A monday noon, UTC; records are placed relative to it.</summary>
    public static readonly DateTimeOffset Noon = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The caller's requests of the week around <see cref="Noon"/>.</summary>
    public static Contracts.V1.ListMineRequest MineAroundNoon(int pageSize = 0, string pageToken = "") => new()
    {
        From = Timestamp.FromDateTimeOffset(Noon.AddDays(-3)),
        To = Timestamp.FromDateTimeOffset(Noon.AddDays(4)),
        PageSize = pageSize,
        PageToken = pageToken,
    };

    public static UsageRecord Record(
        string requestId,
        string? keyId,
        DateTimeOffset receivedAt,
        string model = "herd-tiny",
        string? nodeId = "node-1",
        int promptTokens = 10,
        int completionTokens = 20,
        decimal fee = 0.25m) => new()
        {
            RequestId = requestId,
            KeyId = keyId,
            Role = keyId is null ? null : "user",
            Model = model,
            NodeId = nodeId,
            PromptTokens = promptTokens,
            CompletionTokens = completionTokens,
            TotalTime = TimeSpan.FromMilliseconds(300),
            FinishReason = "stop",
            Status = "OK",
            Fee = fee,
            ReceivedAt = receivedAt,
            EndedAt = receivedAt.AddSeconds(1),
        };

    /// <summary>Records each request, with its text unless <paramref name="withText"/> is false.</summary>
    public static async Task InsertAsync(AccessGatewayHost gateway, IEnumerable<UsageRecord> records, bool withText = true)
    {
        await using var context = gateway.CreateLedgerContext();
        foreach (var record in records)
        {
            var text = withText ? new HistoryEntry { RequestId = record.RequestId, Prompt = $"prompt of {record.RequestId}", Completion = $"answer to {record.RequestId}" } : null;
            Assert.True(await context.InsertUsageIfNewAsync(record, text));
        }
    }

    public static Task InsertAsync(AccessGatewayHost gateway, params UsageRecord[] records) => InsertAsync(gateway, records, withText: true);
}
