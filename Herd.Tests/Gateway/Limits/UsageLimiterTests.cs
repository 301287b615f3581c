using System.Text.RegularExpressions;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Admission.Limits;
using Herd.Tests.Fixtures;
using StackExchange.Redis;

namespace Herd.Tests.Gateway.Limits;

/// <summary>Admission and status against a real redis-server, each test under a prefix of its own.</summary>
[Collection(WithServers.Name)]
public sealed partial class UsageLimiterTests(ServersFixture servers) : IAsyncLifetime
{
    private static readonly LimitRule TwentyRequestsPerHour = new(LimitKind.Requests, 20, TimeSpan.FromHours(1));

    private readonly LimitsRedis _redis = new(servers.Redis);

    public Task InitializeAsync() => _redis.OpenAsync();

    public Task DisposeAsync() => _redis.CloseAsync();

    [Fact]
    public async Task Admit_OneMoreThanTheLimit_IsRefusedByThatRule_WithTheEndOfItsWindow()
    {
        var limiter = _redis.Limiter();
        var admitted = new List<Herd.Gateway.Admission.Limits.Admission>();
        for (var i = 0; i < 20; i++)
        {
            admitted.Add(await limiter.AdmitAsync("key-1", [TwentyRequestsPerHour], tokensToReserve: 10));
        }

        var refused = await limiter.AdmitAsync("key-1", [TwentyRequestsPerHour], tokensToReserve: 10);

        Assert.All(admitted, admission => Assert.True(admission.IsAdmitted));
        Assert.False(refused.IsAdmitted);
        Assert.Equal(TwentyRequestsPerHour, refused.Refusal.Rule);
        Assert.Equal((20, 1), (refused.Refusal.Used, refused.Refusal.Needed));
        Assert.True(refused.Refusal.WaitingHelps);
        var window = Assert.Single(admitted[^1].Reservation!.Windows);
        Assert.Equal(window.ResetsAt, refused.Refusal.ResetsAt);
        Assert.Equal(0, refused.Refusal.ResetsAt.ToUnixTimeMilliseconds() % (long)TimeSpan.FromHours(1).TotalMilliseconds);
        Assert.InRange(refused.Refusal.ResetsAt - refused.Refusal.Now, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task Admit_SeveralRulesRefuse_NamesTheOneThatResetsLast()
    {
        var perHour = new LimitRule(LimitKind.Requests, 2, TimeSpan.FromHours(1));
        var perDay = new LimitRule(LimitKind.Requests, 2, TimeSpan.FromDays(1));
        var tokensPerHour = new LimitRule(LimitKind.Tokens, 1000, TimeSpan.FromHours(1));
        var limiter = _redis.Limiter();
        await limiter.AdmitAsync("key-1", [perHour, perDay, tokensPerHour], 10);
        await limiter.AdmitAsync("key-1", [perHour, perDay, tokensPerHour], 10);

        var refused = await limiter.AdmitAsync("key-1", [perHour, perDay, tokensPerHour], 10);

        Assert.Equal(0, refused.Refusal!.ResetsAt.ToUnixTimeMilliseconds() % (long)TimeSpan.FromDays(1).TotalMilliseconds);
        // In the day's last hour both request rules reset at midnight: either may be named then.
        var lastHour = refused.Refusal.ResetsAt - refused.Refusal.Now <= TimeSpan.FromHours(1);
        Assert.Contains(refused.Refusal.Rule, lastHour ? [perDay, perHour] : new[] { perDay });
    }

    [Fact]
    public async Task Admit_OnlyTheShortWindowRefuses_NamesTheShortWindow()
    {
        var perHour = new LimitRule(LimitKind.Requests, 2, TimeSpan.FromHours(1));
        var perDay = new LimitRule(LimitKind.Requests, 100, TimeSpan.FromDays(1));
        var limiter = _redis.Limiter();
        await limiter.AdmitAsync("key-1", [perDay, perHour], 0);
        await limiter.AdmitAsync("key-1", [perDay, perHour], 0);

        var refused = await limiter.AdmitAsync("key-1", [perDay, perHour], 0);

        Assert.Equal(perHour, refused.Refusal?.Rule);
        Assert.Equal(2, refused.Refusal!.Used);
    }

    [Fact]
    public async Task Admit_MoreTokensThanTheWholeLimit_NamesThatRule_AsOneNoWaitHelps()
    {
        var oncePerDay = new LimitRule(LimitKind.Requests, 1, TimeSpan.FromDays(1));
        var tokensPerHour = new LimitRule(LimitKind.Tokens, 100, TimeSpan.FromHours(1));
        var limiter = _redis.Limiter();
        await limiter.AdmitAsync("key-1", [oncePerDay, tokensPerHour], 10);

        var refused = await limiter.AdmitAsync("key-1", [oncePerDay, tokensPerHour], 500);

        Assert.Equal(tokensPerHour, refused.Refusal?.Rule);
        Assert.Equal((10, 500), (refused.Refusal!.Used, refused.Refusal.Needed));
        Assert.False(refused.Refusal.WaitingHelps);
    }

    [Fact]
    public async Task Admit_Refused_ChargesNoRule()
    {
        var requests = new LimitRule(LimitKind.Requests, 5, TimeSpan.FromHours(1));
        var tokens = new LimitRule(LimitKind.Tokens, 100, TimeSpan.FromHours(1));
        var limiter = _redis.Limiter();
        Assert.True((await limiter.AdmitAsync("key-1", [requests, tokens], 90)).IsAdmitted);

        var refused = await limiter.AdmitAsync("key-1", [requests, tokens], 20);

        Assert.Equal(tokens, refused.Refusal?.Rule);
        Assert.Equal((90, 20), (refused.Refusal!.Used, refused.Refusal.Needed));
        var status = await limiter.StatusAsync("key-1", [requests, tokens]);
        Assert.Equal([1, 90], status.Select(rule => rule.Used));
        Assert.True((await limiter.AdmitAsync("key-1", [requests, tokens], 10)).IsAdmitted);
    }

    [Fact]
    public async Task Admit_TwoGatewayReplicas_ShareTheCounts()
    {
        var rule = new LimitRule(LimitKind.Requests, 3, TimeSpan.FromHours(1));
        await using var secondConnection = await servers.Redis.ConnectAsync();
        var replicaA = _redis.Limiter();
        var replicaB = new UsageLimiter(secondConnection, _redis.Prefix);

        Assert.True((await replicaA.AdmitAsync("key-1", [rule], 0)).IsAdmitted);
        Assert.True((await replicaB.AdmitAsync("key-1", [rule], 0)).IsAdmitted);
        Assert.True((await replicaA.AdmitAsync("key-1", [rule], 0)).IsAdmitted);
        var refused = await replicaB.AdmitAsync("key-1", [rule], 0);

        Assert.Equal(3, refused.Refusal?.Used);
        Assert.Equal(3, (await replicaA.StatusAsync("key-1", [rule]))[0].Used);
    }

    [Fact]
    public async Task Admit_FiftyAtOnceAgainstTwenty_AdmitsExactlyTwenty()
    {
        await using var secondConnection = await servers.Redis.ConnectAsync();
        var replicas = new[] { _redis.Limiter(), new UsageLimiter(secondConnection, _redis.Prefix) };

        var admissions = await Task.WhenAll(Enumerable.Range(0, 50)
            .Select(i => Task.Run(() => replicas[i % 2].AdmitAsync("key-1", [TwentyRequestsPerHour], 0))));

        Assert.Equal(20, admissions.Count(admission => admission.IsAdmitted));
        Assert.All(admissions.Where(admission => !admission.IsAdmitted), admission => Assert.Equal(20, admission.Refusal!.Used));
        Assert.Equal(20, (await replicas[0].StatusAsync("key-1", [TwentyRequestsPerHour]))[0].Used);
    }

    [Fact]
    public async Task Admit_AfterTheWindowEnds_PassesAgain()
    {
        var oncePerSecond = new LimitRule(LimitKind.Requests, 1, TimeSpan.FromSeconds(1));
        var limiter = _redis.Limiter();
        // Two requests may fall on either side of a window's end; the first refusal comes soon.
        Herd.Gateway.Admission.Limits.Admission refused;
        do
        {
            refused = await limiter.AdmitAsync("key-1", [oncePerSecond], 0);
        }
        while (refused.IsAdmitted);

        await LimitsRedis.WaitUntilAsync(
            async () => (await limiter.StatusAsync("key-1", [oncePerSecond]))[0].Used == 0, "a new window with nothing used");
        var admitted = await limiter.AdmitAsync("key-1", [oncePerSecond], 0);

        Assert.True(admitted.IsAdmitted);
        Assert.True(admitted.Reservation.Windows[0].Start >= refused.Refusal.ResetsAt);
    }

    [Fact]
    public async Task Admit_SameKindAndWindowTwice_ChargesTheSharedCounterOnce()
    {
        var twenty = new LimitRule(LimitKind.Requests, 20, TimeSpan.FromHours(1));
        var two = new LimitRule(LimitKind.Requests, 2, TimeSpan.FromHours(1));
        var limiter = _redis.Limiter();

        var first = await limiter.AdmitAsync("key-1", [twenty, two], 0);
        var second = await limiter.AdmitAsync("key-1", [twenty, two], 0);
        var refused = await limiter.AdmitAsync("key-1", [twenty, two], 0);

        Assert.True(first.IsAdmitted && second.IsAdmitted);
        Assert.Equal(two, refused.Refusal?.Rule);
        Assert.Equal([2, 2], (await limiter.StatusAsync("key-1", [twenty, two])).Select(rule => rule.Used));
    }

    [Fact]
    public async Task Release_GivesBackTheRequestAndTheTokens_OfEachSharedCounterOnce()
    {
        // Windows of a year, so that the test never runs across a window's end.
        var year = TimeSpan.FromDays(366);
        LimitRule[] rules = [new(LimitKind.Requests, 1, year), new(LimitKind.Requests, 20, year), new(LimitKind.Tokens, 1000, year)];
        var limiter = _redis.Limiter();
        await limiter.AdmitAsync("key-2", rules, tokensToReserve: 50);
        var released = await limiter.AdmitAsync("key-1", rules, tokensToReserve: 100);

        await limiter.ReleaseAsync(released.Reservation!);

        Assert.Equal([0, 0, 0], (await limiter.StatusAsync("key-1", rules)).Select(rule => rule.Used));
        Assert.Equal([1, 1, 50], (await limiter.StatusAsync("key-2", rules)).Select(rule => rule.Used));
        Assert.True((await limiter.AdmitAsync("key-1", rules, tokensToReserve: 100)).IsAdmitted);
    }

    [Fact]
    public async Task Admit_HostileSubjects_EachCountsAlone_InsideThePrefix()
    {
        string[] subjects = ["a", "a:b", "*", "{a}", "a:b*{c}:requests:3600000", "a:b*{c}:requests:3600000:1", " a "];
        var oncePerHour = new LimitRule(LimitKind.Requests, 1, TimeSpan.FromHours(1));
        var limiter = _redis.Limiter();

        var first = await Task.WhenAll(subjects.Select(subject => limiter.AdmitAsync(subject, [oncePerHour], 0)));
        var second = await Task.WhenAll(subjects.Select(subject => limiter.AdmitAsync(subject, [oncePerHour], 0)));

        Assert.All(first, admission => Assert.True(admission.IsAdmitted));
        Assert.All(second, admission => Assert.False(admission.IsAdmitted));
        var keys = await _redis.KeysUnderPrefixAsync();
        Assert.Equal(subjects.Length, keys.Count);
        Assert.All(keys, key => Assert.Matches(CounterKey(), key[_redis.Prefix.Length..]));
        Assert.Empty(await _redis.KeysAsync("*a:b[*][{]c[}]*"));
    }

    [Fact]
    public async Task Admit_CountersExpireSoonAfterTheirWindowEnds()
    {
        var perHour = new LimitRule(LimitKind.Requests, 5, TimeSpan.FromHours(1));
        var tokensPerDay = new LimitRule(LimitKind.Tokens, 1000, TimeSpan.FromDays(1));
        var limiter = _redis.Limiter();

        await limiter.AdmitAsync("key-1", [perHour, tokensPerDay], 10);

        var database = _redis.Connection.GetDatabase();
        var hourly = Assert.Single(await _redis.KeysUnderPrefixAsync("*:requests:*"));
        var daily = Assert.Single(await _redis.KeysUnderPrefixAsync("*:tokens:*"));
        // Each lives until its window's end plus a minute's grace.
        Assert.InRange(await database.KeyTimeToLiveAsync(hourly) ?? TimeSpan.Zero, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(61));
        Assert.InRange(await database.KeyTimeToLiveAsync(daily) ?? TimeSpan.Zero, TimeSpan.FromMinutes(1), TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Status_ReportsUsedRemainingAndReset_AndChargesNothing()
    {
        var perHour = new LimitRule(LimitKind.Requests, 5, TimeSpan.FromHours(1));
        var tokensPerDay = new LimitRule(LimitKind.Tokens, 1000, TimeSpan.FromDays(1));
        var limiter = _redis.Limiter();
        await limiter.AdmitAsync("key-1", [perHour, tokensPerDay], 100);
        var last = await limiter.AdmitAsync("key-1", [perHour, tokensPerDay], 250);

        var before = await limiter.StatusAsync("key-1", [perHour, tokensPerDay]);
        var after = await limiter.StatusAsync("key-1", [perHour, tokensPerDay]);

        Assert.Equal(before, after);
        Assert.Equal((perHour, 2, 3, last.Reservation!.Windows[0].ResetsAt), (after[0].Rule, after[0].Used, after[0].Remaining, after[0].ResetsAt));
        Assert.Equal((tokensPerDay, 350, 650, last.Reservation.Windows[1].ResetsAt), (after[1].Rule, after[1].Used, after[1].Remaining, after[1].ResetsAt));
        Assert.Equal([0, 5], (await limiter.StatusAsync("another-key", [perHour])).SelectMany(rule => new[] { rule.Used, rule.Remaining }));
    }

    [Fact]
    public async Task Admit_NoRules_AdmitsWithoutAskingRedis()
    {
        // Nothing listens there, and a command fails at once instead of waiting for a connection.
        var nowhere = new ConfigurationOptions { EndPoints = { { "127.0.0.1", FreePort.Next() } }, AbortOnConnectFail = false, BacklogPolicy = BacklogPolicy.FailFast };
        await using var unreachable = await ConnectionMultiplexer.ConnectAsync(nowhere);
        var limiter = new UsageLimiter(unreachable, "nowhere:");

        var admission = await limiter.AdmitAsync("key-1", [], 300);
        await limiter.SettleAsync(admission.Reservation!, 20);

        Assert.True(admission.IsAdmitted);
        Assert.Equal(("key-1", 300), (admission.Reservation.Subject, admission.Reservation.Tokens));
        Assert.Empty(admission.Reservation.Windows);
        Assert.Empty(await limiter.StatusAsync("key-1", []));
        await Assert.ThrowsAsync<RedisConnectionException>(() => limiter.StatusAsync("key-1", [TwentyRequestsPerHour]));
    }

    [GeneratedRegex(@"^limit:\{[0-9a-f]{64}\}:requests:3600000:\d+$")]
    private static partial Regex CounterKey();
}
