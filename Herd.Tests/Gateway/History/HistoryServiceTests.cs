using System.Buffers.Text;
using System.Text;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using static Herd.Tests.Gateway.History.UsageSeed;

namespace Herd.Tests.Gateway.History;

/// <summary><c>herd.v1.History</c> over real gRPC to a whole gateway with access control on.</summary>
[Collection(WithServers.Name)]
public sealed class HistoryServiceTests(ServersFixture servers) : IAsyncLifetime
{
    private AccessGatewayHost? _gateway;

    private AccessGatewayHost Gateway => _gateway ?? throw new InvalidOperationException("The gateway has not started.");

    public async Task InitializeAsync() => _gateway = await AccessGatewayHost.StartAsync(servers);

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task ListMine_ShowsTheCallersOwnRequestsOnly_NewestFirst_WithTheirText()
    {
        var (alice, bob) = (await Gateway.KeyAsync("user"), await Gateway.KeyAsync("user"));
        await InsertAsync(Gateway,
            Record("alice-1", AccessGatewayHost.KeyId(alice), Noon),
            Record("bob-1", AccessGatewayHost.KeyId(bob), Noon.AddMinutes(1)),
            Record("alice-2", AccessGatewayHost.KeyId(alice), Noon.AddMinutes(2)));

        var page = await Gateway.History.ListMineAsync(MineAroundNoon(), AccessGatewayHost.Bearer(alice));

        Assert.Equal(["alice-2", "alice-1"], page.Entries.Select(entry => entry.RequestId));
        Assert.Empty(page.NextPageToken);
        var entry = page.Entries[1];
        Assert.Equal(
            (AccessGatewayHost.KeyId(alice), "herd-tiny", "OK", "stop", 10, 20, "0.25", Noon, true, "prompt of alice-1", "answer to alice-1", (RequestFeedback?)null),
            (entry.KeyId, entry.Model, entry.Status, entry.FinishReason, entry.PromptTokens, entry.CompletionTokens, entry.Fee,
                entry.ReceivedAt.ToDateTimeOffset(), entry.TextKept, entry.Prompt, entry.Completion, entry.Feedback));
    }

    [Fact]
    public async Task ListHistory_ForAnAdmin_ShowsEveryKeysRequests()
    {
        var (alice, bob) = (await Gateway.KeyAsync("user"), await Gateway.KeyAsync("user"));
        await InsertAsync(Gateway,
            Record("alice-1", AccessGatewayHost.KeyId(alice), Noon),
            Record("bob-1", AccessGatewayHost.KeyId(bob), Noon.AddMinutes(1)));
        var mine = MineAroundNoon();

        var page = await Gateway.Usage.ListHistoryAsync(new ListHistoryRequest { From = mine.From, To = mine.To }, AccessGatewayHost.Bearer(Gateway.AdminKey));

        Assert.Equal(["bob-1", "alice-1"], page.Entries.Select(entry => entry.RequestId));
    }

    [Fact]
    public async Task ListMine_OfAKeyThatOptedOut_HasNoText()
    {
        var created = await Gateway.Keys.CreateKeyAsync(
            new CreateKeyRequest { Name = "private", Role = "user", HistoryOptOut = true }, AccessGatewayHost.Bearer(Gateway.AdminKey));
        // The gateway hands the text over; the ledger keeps none against the key's choice.
        await InsertAsync(Gateway, Record("private-1", created.Key.KeyId, Noon));

        var entry = Assert.Single((await Gateway.History.ListMineAsync(MineAroundNoon(), AccessGatewayHost.Bearer(created.Secret))).Entries);

        Assert.Equal(("private-1", false, "", ""), (entry.RequestId, entry.TextKept, entry.Prompt, entry.Completion));
        Assert.Equal(20, entry.CompletionTokens);
    }

    [Fact]
    public async Task Pages_WalkEveryRequestOnce_InOrder_ThroughRequestsOfTheSameInstant()
    {
        var key = await Gateway.KeyAsync("user");
        // 23 requests, three to an instant, so pages end inside a group of equal receipts.
        var records = Enumerable.Range(0, 23)
            .Select(i => Record($"r{i:00}", AccessGatewayHost.KeyId(key), Noon.AddSeconds(-(i / 3))))
            .ToList();
        await InsertAsync(Gateway, records);

        var seen = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await Gateway.History.ListMineAsync(MineAroundNoon(pageSize: 5, pageToken: token), AccessGatewayHost.Bearer(key));
            Assert.InRange(page.Entries.Count, 1, 5);
            seen.AddRange(page.Entries.Select(entry => entry.RequestId));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0 && pages < 10);

        var expected = records
            .OrderByDescending(record => record.ReceivedAt)
            .ThenByDescending(record => record.RequestId, StringComparer.Ordinal)
            .Select(record => record.RequestId);
        Assert.Equal(expected, seen);
        Assert.Equal(5, pages);
    }

    public static TheoryData<string> BadTokens => new()
    {
        "not a token!",
        new string('A', 300),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("hello")),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("1:abc:r01")),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("1:-5:r01")),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("1:99999999999999999999:r01")),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("2:0:r01")),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("1:0:")),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("1:0:' OR 1=1 --" + new string('x', 64))),
        Base64Url.EncodeToString([0xff, 0xfe, 0x3a]),
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task ListMine_PageTokenThatIsNotOne_IsInvalidArgument(string token)
    {
        var key = await Gateway.KeyAsync("user");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Gateway.History.ListMineAsync(MineAroundNoon(pageToken: token), AccessGatewayHost.Bearer(key)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("page_token", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(501)]
    public async Task ListMine_PageSizeOutOfRange_IsInvalidArgument(int pageSize)
    {
        var key = await Gateway.KeyAsync("user");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Gateway.History.ListMineAsync(MineAroundNoon(pageSize: pageSize), AccessGatewayHost.Bearer(key)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("page_size must be 1 to 500", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Feedback_RoundTrips_AndALaterOneReplacesTheEarlier()
    {
        var key = await Gateway.KeyAsync("user");
        await InsertAsync(Gateway, Record("judged", AccessGatewayHost.KeyId(key), Noon));

        await Gateway.History.SubmitFeedbackAsync(new SubmitFeedbackRequest { RequestId = "judged", Score = 2, Comment = "too long" }, AccessGatewayHost.Bearer(key));
        await Gateway.History.SubmitFeedbackAsync(new SubmitFeedbackRequest { RequestId = "judged", Score = 5, Comment = "better on a second read" }, AccessGatewayHost.Bearer(key));

        var entry = Assert.Single((await Gateway.History.ListMineAsync(MineAroundNoon(), AccessGatewayHost.Bearer(key))).Entries);
        Assert.Equal((5, "better on a second read"), (entry.Feedback.Score, entry.Feedback.Comment));
        Assert.NotNull(entry.Feedback.SubmittedAt);
        Assert.Equal(["judged"], await RawSql.StringsAsync(Gateway.LedgerConnectionString, "SELECT request_id FROM feedback"));
    }

    [Fact]
    public async Task Feedback_OnAnotherKeysRequest_IsNotFound_LikeARequestThatDoesNotExist()
    {
        var (alice, bob) = (await Gateway.KeyAsync("user"), await Gateway.KeyAsync("user"));
        await InsertAsync(Gateway, Record("alices-0001", AccessGatewayHost.KeyId(alice), Noon));

        var others = await Assert.ThrowsAsync<RpcException>(() =>
            Gateway.History.SubmitFeedbackAsync(new SubmitFeedbackRequest { RequestId = "alices-0001", Score = 1 }, AccessGatewayHost.Bearer(bob)).ResponseAsync);
        var nobodys = await Assert.ThrowsAsync<RpcException>(() =>
            Gateway.History.SubmitFeedbackAsync(new SubmitFeedbackRequest { RequestId = "nobodys-001", Score = 1 }, AccessGatewayHost.Bearer(bob)).ResponseAsync);

        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound), (others.StatusCode, nobodys.StatusCode));
        Assert.Equal(others.Status.Detail.Replace("alices-0001", "ID", StringComparison.Ordinal), nobodys.Status.Detail.Replace("nobodys-001", "ID", StringComparison.Ordinal));
        Assert.Empty(await RawSql.StringsAsync(Gateway.LedgerConnectionString, "SELECT request_id FROM feedback"));
    }

    [Theory]
    [InlineData("req", 0, 0, "score")]
    [InlineData("req", 6, 0, "score")]
    [InlineData("req", -2147483648, 0, "score")]
    [InlineData("req", 3, 2001, "comment must be at most 2000")]
    [InlineData("", 3, 0, "request_id")]
    [InlineData("x", 3, 0, "request_id")]
    public async Task Feedback_BadField_IsInvalidArgument_AndSavesNothing(string requestId, int score, int commentLength, string named)
    {
        var key = await Gateway.KeyAsync("user");
        await InsertAsync(Gateway, Record("req", AccessGatewayHost.KeyId(key), Noon));
        // "x" stands for a request id one character too long.
        var id = requestId == "x" ? new string('x', 65) : requestId;

        var error = await Assert.ThrowsAsync<RpcException>(() => Gateway.History.SubmitFeedbackAsync(
            new SubmitFeedbackRequest { RequestId = id, Score = score, Comment = new string('c', commentLength) }, AccessGatewayHost.Bearer(key)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(named, error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(await RawSql.StringsAsync(Gateway.LedgerConnectionString, "SELECT request_id FROM feedback"));
    }

    [Fact]
    public async Task Feedback_WithSqlInTheRequestId_IsNotFound_AndChangesNothing()
    {
        var key = await Gateway.KeyAsync("user");
        await InsertAsync(Gateway, Record("req", AccessGatewayHost.KeyId(key), Noon));

        var error = await Assert.ThrowsAsync<RpcException>(() => Gateway.History.SubmitFeedbackAsync(
            new SubmitFeedbackRequest { RequestId = "req' OR '1'='1'; DELETE FROM usage_records; --", Score = 3 }, AccessGatewayHost.Bearer(key)).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(["req"], await RawSql.StringsAsync(Gateway.LedgerConnectionString, "SELECT request_id FROM usage_records"));
        Assert.Empty(await RawSql.StringsAsync(Gateway.LedgerConnectionString, "SELECT request_id FROM feedback"));
    }
}
