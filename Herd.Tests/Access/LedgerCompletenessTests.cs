using System.Globalization;
using Grpc.Core;
using Herd.Gateway.Ledger;
using static Herd.Tests.Access.LedgerLoad;

namespace Herd.Tests.Access;

/// <summary>
/// Exactly one ledger record per request, with the right counts, under load: in plain running,
/// with PostgreSQL stopped part of the way, and with a gateway killed part of the way.
/// </summary>
public sealed class LedgerCompletenessTests
{
    private const int Requests = 500;
    private static readonly TimeSpan LandingTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task MixedOutcomes_EachRequestHasExactlyOneRecord_WithItsTokensAndStatus()
    {
        await using var load = await LedgerLoad.StartAsync(gateways: 2);

        var outcomes = await load.SendAsync(Requests, request => request % 2);
        var records = await load.RecordsAsync(Enumerable.Range(0, Requests), LandingTimeout);

        await AssertRecordedAsync(load, outcomes, records);
    }

    [Fact]
    public async Task PostgresStoppedPartWay_ServingGoesOn_AndEveryRecordLandsOnceItIsBack()
    {
        await using var load = await LedgerLoad.StartAsync(gateways: 2);
        var postgres = load.Herd.Postgres!;

        var sending = load.SendAsync(Requests, request => request % 2);
        await load.WaitUntilFinishedAsync(Requests / 4);
        await postgres.StopAsync();
        await load.WaitUntilFinishedAsync(Requests * 3 / 4);
        long recordsWhileStopped;
        using (var redis = await load.Herd.Redis.ConnectAsync())
        {
            recordsWhileStopped = await redis.GetDatabase().StreamLengthAsync("herd:ledger:outbox");
        }

        await postgres.StartAgainAsync();
        var outcomes = await sending;
        var records = await load.RecordsAsync(Enumerable.Range(0, Requests), LandingTimeout);

        Assert.True(recordsWhileStopped > 0, "no record waited in the outbox while PostgreSQL was stopped");
        var notServed = outcomes.Where(outcome => outcome.Kind == Kind.Served && outcome.Status != StatusCode.OK).Select(outcome => $"{outcome.Request}: {outcome.Status} {outcome.Detail}");
        Assert.True(outcomes.Count(outcome => outcome.Kind == Kind.Served && outcome.Status == StatusCode.OK) == Requests / 10 * 6, "Not served: " + string.Join("; ", notServed));
        await AssertRecordedAsync(load, outcomes, records);
    }

    [Fact]
    public async Task GatewayKilledPartWay_EveryRequestItHadAcceptedIsRecorded_NoneTwice()
    {
        await using var load = await LedgerLoad.StartAsync(gateways: 2);

        var sending = load.SendAsync(Requests, request => request % 2, slowGateway: 1);
        await load.WaitUntilFinishedAsync(Requests / 3);
        await load.Herd.Gateways[1].Process.DisposeAsync();
        // Read after the kill, so a request that ends between the read and the kill is not counted
        // as open; the sweeper records the dead gateway's requests only once its liveness key has expired.
        var openOnKilled = await load.OpenRequestsOfAsync("gateway-1");
        var outcomes = await sending;
        var accepted = outcomes.Where(outcome => outcome.Accepted).ToList();
        var records = await load.RecordsAsync(accepted.Select(outcome => outcome.Request), LandingTimeout);
        var byRequestId = await load.RecordsByRequestIdAsync(openOnKilled, LandingTimeout);

        Assert.True(records.Count <= Requests);
        Assert.All(outcomes.Where(outcome => outcome.Status == StatusCode.OK), outcome => AssertServed(outcome, records[load.ClientId(outcome.Request)]));
        Assert.NotEmpty(openOnKilled);
        Assert.Equal(openOnKilled.Count, byRequestId.Count);
        // Those it had not ended when it died were recorded for it by the other gateway.
        Assert.Contains(byRequestId.Values, record => record is { Status: "UNAVAILABLE", GatewayId: "gateway-1" });
    }

    private static async Task AssertRecordedAsync(LedgerLoad load, IReadOnlyList<Outcome> outcomes, Dictionary<string, UsageRecord> records)
    {
        Assert.Equal(Requests, outcomes.Count);
        Assert.Equal(Requests, records.Count);
        foreach (var outcome in outcomes)
        {
            var record = records[load.ClientId(outcome.Request)];
            switch (outcome.Kind)
            {
                case Kind.Served:
                    AssertServed(outcome, record);
                    break;
                case Kind.Cancelled:
                    Assert.Equal(StatusCode.Cancelled, outcome.Status);
                    Assert.Equal(("CANCELLED", "cancelled"), (record.Status, record.FinishReason));
                    Assert.InRange(record.CompletionTokens, outcome.DeliveredTokens, 200);
                    Assert.NotNull(record.NodeId);
                    break;
                case Kind.Invalid:
                    AssertRefused(outcome, record, StatusCode.InvalidArgument, "INVALID_ARGUMENT");
                    break;
                case Kind.Denied:
                    AssertRefused(outcome, record, StatusCode.PermissionDenied, "PERMISSION_DENIED");
                    break;
                case Kind.Capped when outcome.Status == StatusCode.OK:
                    AssertServed(outcome, record);
                    break;
                default:
                    AssertRefused(outcome, record, StatusCode.ResourceExhausted, "RESOURCE_EXHAUSTED");
                    break;
            }
        }

        // 50 requests of the capped key, 20 of them within its limit.
        Assert.Equal(20, outcomes.Count(outcome => outcome.Kind == Kind.Capped && outcome.Status == StatusCode.OK));

        // Text is kept for the key that keeps history, for what it was served, and never for the other.
        var served = outcomes.Where(outcome => outcome.Status == StatusCode.OK && outcome.Kind == Kind.Served).ToList();
        var history = await load.HistoryAsync(served.Select(outcome => outcome.Streamed!.Done.LedgerId));
        foreach (var outcome in served)
        {
            var kept = history.GetValueOrDefault(outcome.Streamed!.Done.LedgerId);
            if (outcome.Key == load.Secrets.KeepsHistory)
            {
                Assert.NotNull(kept);
                Assert.Equal(outcome.Streamed.Text, kept.Completion);
                Assert.Contains($"request {outcome.Request}", kept.Prompt, StringComparison.Ordinal);
            }
            else
            {
                Assert.Null(kept);
            }
        }
    }

    private static void AssertServed(Outcome outcome, UsageRecord record)
    {
        Assert.Equal(StatusCode.OK, outcome.Status);
        var done = outcome.Streamed!.Done;
        Assert.Equal(done.LedgerId, record.RequestId);
        Assert.Equal("OK", record.Status);
        Assert.Equal(done.Usage.PromptTokens, record.PromptTokens);
        Assert.Equal(done.Usage.CompletionTokens, record.CompletionTokens);
        Assert.Equal(outcome.Streamed.TokenIds.Count, record.CompletionTokens);
        Assert.Equal(done.NodeId, record.NodeId);
        Assert.Equal("length", record.FinishReason);
        Assert.Null(record.Message);
        var fee = 0.01m + (record.PromptTokens * 0.001m) + (record.CompletionTokens * 0.002m);
        Assert.Equal((fee, fee), (record.Fee, decimal.Parse(done.Fee, CultureInfo.InvariantCulture)));
    }

    private static void AssertRefused(Outcome outcome, UsageRecord record, StatusCode expected, string name)
    {
        Assert.Equal(expected, outcome.Status);
        Assert.Equal(name, record.Status);
        Assert.Equal((0, 0), (record.PromptTokens, record.CompletionTokens));
        Assert.Null(record.NodeId);
        Assert.Equal(0m, record.Fee);
        Assert.False(string.IsNullOrEmpty(record.Message));
    }
}
