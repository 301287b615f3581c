using Herd.Gateway.Access.Roles;
using Herd.Gateway.Admission.Limits;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Gateway.Limits;

/// <summary>Tokens reserved at admission and settled with the real count, against a real redis-server.</summary>
[Collection(WithServers.Name)]
public sealed class TokenSettlementTests(ServersFixture servers) : IAsyncLifetime
{
    private static readonly LimitRule TenRequestsPerHour = new(LimitKind.Requests, 10, TimeSpan.FromHours(1));
    private static readonly LimitRule ThousandTokensPerHour = new(LimitKind.Tokens, 1000, TimeSpan.FromHours(1));

    private readonly LimitsRedis _redis = new(servers.Redis);

    public Task InitializeAsync() => _redis.OpenAsync();

    public Task DisposeAsync() => _redis.CloseAsync();

    [Fact]
    public async Task Settle_FewerTokensThanReserved_GivesTheRestBack()
    {
        var limiter = _redis.Limiter();
        var admission = await limiter.AdmitAsync("key-1", [TenRequestsPerHour, ThousandTokensPerHour], tokensToReserve: 100);
        var reserved = await limiter.StatusAsync("key-1", [TenRequestsPerHour, ThousandTokensPerHour]);

        await limiter.SettleAsync(admission.Reservation!, actualTokens: 30);

        var settled = await limiter.StatusAsync("key-1", [TenRequestsPerHour, ThousandTokensPerHour]);
        Assert.Equal((100, 900), (reserved[1].Used, reserved[1].Remaining));
        Assert.Equal((30, 970), (settled[1].Used, settled[1].Remaining));
        Assert.Equal(1, settled[0].Used);
    }

    [Fact]
    public async Task Settle_MoreTokensThanReserved_ChargesTheDifference_EvenPastTheLimit()
    {
        var limiter = _redis.Limiter();
        var admission = await limiter.AdmitAsync("key-1", [ThousandTokensPerHour], tokensToReserve: 900);

        await limiter.SettleAsync(admission.Reservation!, actualTokens: 1200);

        var status = Assert.Single(await limiter.StatusAsync("key-1", [ThousandTokensPerHour]));
        Assert.Equal((1200, 0), (status.Used, status.Remaining));
        var refused = await limiter.AdmitAsync("key-1", [ThousandTokensPerHour], tokensToReserve: 0);
        Assert.Equal(1200, refused.Refusal?.Used);
    }

    [Fact]
    public async Task Settle_NeverTakesACounterBelowZero()
    {
        var limiter = _redis.Limiter();
        var admission = await limiter.AdmitAsync("key-1", [ThousandTokensPerHour], tokensToReserve: 100);

        // Settling twice is a caller's mistake; the counter still stays a count.
        await limiter.SettleAsync(admission.Reservation!, actualTokens: 0);
        await limiter.SettleAsync(admission.Reservation!, actualTokens: 0);

        Assert.Equal(0, (await limiter.StatusAsync("key-1", [ThousandTokensPerHour]))[0].Used);
    }

    [Fact]
    public async Task Settle_OnlyTouchesTheTokenCountersOfItsOwnReservation()
    {
        var tokensPerDay = new LimitRule(LimitKind.Tokens, 5000, TimeSpan.FromDays(1));
        var limiter = _redis.Limiter();
        var first = await limiter.AdmitAsync("key-1", [TenRequestsPerHour, ThousandTokensPerHour, tokensPerDay], 100);
        await limiter.AdmitAsync("key-1", [TenRequestsPerHour, ThousandTokensPerHour, tokensPerDay], 200);
        await limiter.AdmitAsync("key-2", [TenRequestsPerHour, ThousandTokensPerHour, tokensPerDay], 400);

        await limiter.SettleAsync(first.Reservation!, 60);

        Assert.Equal([2, 260, 260], (await limiter.StatusAsync("key-1", [TenRequestsPerHour, ThousandTokensPerHour, tokensPerDay])).Select(rule => rule.Used));
        Assert.Equal([1, 400, 400], (await limiter.StatusAsync("key-2", [TenRequestsPerHour, ThousandTokensPerHour, tokensPerDay])).Select(rule => rule.Used));
    }

    [Fact]
    public async Task Settle_AfterTheWindowExpired_RecreatesNothing_AndLeavesTheNewWindowAlone()
    {
        var tokensPerSecond = new LimitRule(LimitKind.Tokens, 1000, TimeSpan.FromSeconds(1));
        var limiter = _redis.Limiter();
        var early = await limiter.AdmitAsync("key-1", [tokensPerSecond], 100);
        var earlyCounter = Assert.Single(await _redis.KeysUnderPrefixAsync());
        var database = _redis.Connection.GetDatabase();
        await LimitsRedis.WaitUntilAsync(async () => !await database.KeyExistsAsync(earlyCounter), "the first window's counter expires");
        var late = await limiter.AdmitAsync("key-1", [tokensPerSecond], 10);

        await limiter.SettleAsync(early.Reservation!, actualTokens: 500);

        Assert.False(await database.KeyExistsAsync(earlyCounter));
        Assert.NotEqual(early.Reservation!.Windows[0].Start, late.Reservation!.Windows[0].Start);
        var lateCounter = Assert.Single(await _redis.KeysUnderPrefixAsync());
        Assert.Equal(10, (long)await database.StringGetAsync(lateCounter));
    }
}
