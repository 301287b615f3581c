using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Ledger;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using static Herd.Tests.Gateway.History.UsageSeed;

namespace Herd.Tests.Gateway.Admin;

/// <summary><c>herd.v1.UsageReports</c> over real gRPC to a whole gateway with access control on.</summary>
[Collection(WithServers.Name)]
public sealed class UsageReportsServiceTests(ServersFixture servers) : IAsyncLifetime
{
    private const string KeyA = "aaaaaaaaaaaa";
    private const string KeyB = "bbbbbbbbbbbb";

    /// <summary>Monday and Tuesday, UTC.</summary>
    private static readonly DateTimeOffset From = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = From.AddDays(2);

    /// <summary>Two keys and none, two models, two nodes and none, two days, and records just outside the range on both sides.</summary>
    private static readonly UsageRecord[] Records =
    [
        Record("in-1", KeyA, From, model: "m1", nodeId: "node-1", promptTokens: 10, completionTokens: 20, fee: 0.25m),
        Record("in-2", KeyA, From.AddHours(23).AddMinutes(59), model: "m2", nodeId: "node-2", promptTokens: 5, completionTokens: 7, fee: 1.5m),
        Record("in-3", KeyB, From.AddDays(1), model: "m1", nodeId: null, promptTokens: 100, completionTokens: 0, fee: 0m),
        Record("in-4", null, From.AddDays(1).AddHours(5), model: "m1", nodeId: null, promptTokens: 3, completionTokens: 0, fee: 0m),
        Record("in-5", KeyB, To.AddTicks(-10), model: "m2", nodeId: "node-1", promptTokens: 1, completionTokens: 2000, fee: 0.125m),
        Record("out-before", KeyA, From.AddTicks(-10), model: "m1", nodeId: "node-1", promptTokens: 999, completionTokens: 999, fee: 9m),
        Record("out-after", KeyB, To, model: "m2", nodeId: "node-2", promptTokens: 999, completionTokens: 999, fee: 9m),
    ];

    private AccessGatewayHost? _gateway;

    private AccessGatewayHost Gateway => _gateway ?? throw new InvalidOperationException("The gateway has not started.");

    /// <summary>
    /// The ledger's database runs in a time zone far from UTC (13 hours ahead in March), so that a
    /// day cut in the database's zone instead of UTC would show.
    /// </summary>
    public async Task InitializeAsync()
    {
        var database = $"ledger_{Guid.NewGuid():N}";
        var ledger = await servers.Postgres.CreateDatabaseAsync(database);
        await RawSql.RowsAsync(servers.Postgres.ConnectionString, $"ALTER DATABASE \"{database}\" SET timezone TO 'Pacific/Auckland'");
        _gateway = await AccessGatewayHost.StartAsync(servers, ledger);
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(UsageGroupBy.Key)]
    [InlineData(UsageGroupBy.Model)]
    [InlineData(UsageGroupBy.Node)]
    [InlineData(UsageGroupBy.Day)]
    public async Task GetTotals_MatchTheRecordsInTheRange(UsageGroupBy groupBy)
    {
        await InsertAsync(Gateway, Records);

        var response = await Gateway.Usage.GetTotalsAsync(Totals(From, To, groupBy), Admin());

        var expected = Records
            .Where(record => record.ReceivedAt >= From && record.ReceivedAt < To)
            .GroupBy(record => GroupOf(record, groupBy))
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => (group.Key, (long)group.Count(), group.Sum(r => (long)r.PromptTokens), group.Sum(r => (long)r.CompletionTokens), group.Sum(r => r.Fee)))
            .ToList();
        var actual = response.Totals
            .Select(total => (total.Group, total.Requests, total.PromptTokens, total.CompletionTokens, decimal.Parse(total.Fee, CultureInfo.InvariantCulture)))
            .ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task GetTotals_ByDay_CutsDaysInUtc()
    {
        await InsertAsync(Gateway, Records);

        var response = await Gateway.Usage.GetTotalsAsync(Totals(From, To, UsageGroupBy.Day), Admin());

        Assert.Equal(["2026-03-02", "2026-03-03"], response.Totals.Select(total => total.Group));
        Assert.Equal([2L, 3L], response.Totals.Select(total => total.Requests));
    }

    [Fact]
    public async Task GetTotals_OfARangeWithoutRequests_IsEmpty()
    {
        await InsertAsync(Gateway, Records);

        var response = await Gateway.Usage.GetTotalsAsync(Totals(From.AddYears(-1), To.AddYears(-1), UsageGroupBy.Key), Admin());

        Assert.Empty(response.Totals);
    }

    public static TheoryData<string, Timestamp?, Timestamp?, UsageGroupBy, string> BadTotals => new()
    {
        { "no from", null, Timestamp.FromDateTimeOffset(To), UsageGroupBy.Key, "from is required" },
        { "no to", Timestamp.FromDateTimeOffset(From), null, UsageGroupBy.Key, "to is required" },
        { "empty range", Timestamp.FromDateTimeOffset(From), Timestamp.FromDateTimeOffset(From), UsageGroupBy.Key, "must be before" },
        { "backwards", Timestamp.FromDateTimeOffset(To), Timestamp.FromDateTimeOffset(From), UsageGroupBy.Key, "must be before" },
        { "over a year", Timestamp.FromDateTimeOffset(From), Timestamp.FromDateTimeOffset(From.AddDays(367)), UsageGroupBy.Key, "366 days" },
        { "bad nanos", new Timestamp { Seconds = 0, Nanos = -1 }, Timestamp.FromDateTimeOffset(To), UsageGroupBy.Key, "from is not a valid timestamp" },
        { "no grouping", Timestamp.FromDateTimeOffset(From), Timestamp.FromDateTimeOffset(To), UsageGroupBy.Unspecified, "group_by" },
        { "unknown grouping", Timestamp.FromDateTimeOffset(From), Timestamp.FromDateTimeOffset(To), (UsageGroupBy)99, "group_by" },
    };

    [Theory]
    [MemberData(nameof(BadTotals))]
    public async Task GetTotals_BadRequest_IsInvalidArgument_NamingTheField(string situation, Timestamp? from, Timestamp? to, UsageGroupBy groupBy, string named)
    {
        var request = new GetTotalsRequest { From = from, To = to, GroupBy = groupBy };

        var error = await Assert.ThrowsAsync<RpcException>(() => Gateway.Usage.GetTotalsAsync(request, Admin()).ResponseAsync);

        Assert.True(error.StatusCode == StatusCode.InvalidArgument, $"{situation}: {error.Status}");
        Assert.Contains(named, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListHistory_ShowsEveryKeysRequests_OrOneKeys()
    {
        await InsertAsync(Gateway, Records);

        var all = await Gateway.Usage.ListHistoryAsync(History(From, To), Admin());
        var request = History(From, To);
        request.KeyId = KeyB;
        var onlyB = await Gateway.Usage.ListHistoryAsync(request, Admin());

        Assert.Equal(["in-5", "in-4", "in-3", "in-2", "in-1"], all.Entries.Select(entry => entry.RequestId));
        Assert.Equal(["in-5", "in-3"], onlyB.Entries.Select(entry => entry.RequestId));
        Assert.All(all.Entries, entry => Assert.True(entry.TextKept));
    }

    [Theory]
    [InlineData("' OR 1=1 --")]
    [InlineData("aaaaaaaaaaa'")]
    [InlineData("")]
    public async Task ListHistory_KeyIdThatIsNoKeyId_IsInvalidArgument(string keyId)
    {
        var request = History(From, To);
        request.KeyId = keyId;

        var error = await Assert.ThrowsAsync<RpcException>(() => Gateway.Usage.ListHistoryAsync(request, Admin()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("key_id", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsageCalls_FromAUserKey_ArePermissionDenied()
    {
        await InsertAsync(Gateway, Records);
        var user = AccessGatewayHost.Bearer(await Gateway.KeyAsync("user"));

        var errors = new[]
        {
            await Assert.ThrowsAsync<RpcException>(() => Gateway.Usage.GetTotalsAsync(Totals(From, To, UsageGroupBy.Key), user).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => Gateway.Usage.ListHistoryAsync(History(From, To), user).ResponseAsync),
        };

        Assert.All(errors, error => Assert.Equal(StatusCode.PermissionDenied, error.StatusCode));
    }

    private static string GroupOf(UsageRecord record, UsageGroupBy groupBy) => groupBy switch
    {
        UsageGroupBy.Key => record.KeyId ?? "",
        UsageGroupBy.Model => record.Model,
        UsageGroupBy.Node => record.NodeId ?? "",
        UsageGroupBy.Day => record.ReceivedAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => throw new ArgumentOutOfRangeException(nameof(groupBy)),
    };

    private static GetTotalsRequest Totals(DateTimeOffset from, DateTimeOffset to, UsageGroupBy groupBy) =>
        new() { From = Timestamp.FromDateTimeOffset(from), To = Timestamp.FromDateTimeOffset(to), GroupBy = groupBy };

    private static ListHistoryRequest History(DateTimeOffset from, DateTimeOffset to) =>
        new() { From = Timestamp.FromDateTimeOffset(from), To = Timestamp.FromDateTimeOffset(to) };

    private Metadata Admin() => AccessGatewayHost.Bearer(Gateway.AdminKey);
}
