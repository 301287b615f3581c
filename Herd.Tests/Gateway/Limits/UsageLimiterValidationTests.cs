using Herd.Gateway.Access.Roles;
using Herd.Gateway.Admission.Limits;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Gateway.Limits;

/// <summary>Bad arguments are named before anything reaches Redis.</summary>
[Collection(WithServers.Name)]
public sealed class UsageLimiterValidationTests(ServersFixture servers) : IAsyncLifetime
{
    private static readonly LimitRule TenRequestsPerHour = new(LimitKind.Requests, 10, TimeSpan.FromHours(1));

    private readonly LimitsRedis _redis = new(servers.Redis);

    public Task InitializeAsync() => _redis.OpenAsync();

    public Task DisposeAsync() => _redis.CloseAsync();

    [Fact]
    public async Task Admit_NegativeTokens_IsRefusedWithTheValueAndWhatIsAllowed()
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => _redis.Limiter().AdmitAsync("key-1", [TenRequestsPerHour], tokensToReserve: -5));

        Assert.Equal("tokensToReserve", error.ParamName);
        Assert.Contains("tokensToReserve is -5; it must be between 0 and", error.Message, StringComparison.Ordinal);
        Assert.Empty(await _redis.KeysUnderPrefixAsync());
    }

    [Fact]
    public async Task Settle_NegativeTokens_IsRefusedWithTheValue()
    {
        var admission = await _redis.Limiter().AdmitAsync("key-1", [TenRequestsPerHour], 10);

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => _redis.Limiter().SettleAsync(admission.Reservation!, actualTokens: -1));

        Assert.Equal("actualTokens", error.ParamName);
        Assert.Contains("actualTokens is -1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LimitKind.Requests, 0, 3_600_000, "Limit rule 2 of 2: the amount is 0; it must be between 1 and")]
    [InlineData(LimitKind.Tokens, -10, 3_600_000, "Limit rule 2 of 2: the amount is -10")]
    [InlineData(LimitKind.Requests, 5, 500, "Limit rule 2 of 2: the window is 500ms; it must be between 1s and 366d.")]
    [InlineData(LimitKind.Requests, 5, 400L * 86_400_000, "the window is 400d; it must be between 1s and 366d.")]
    [InlineData((LimitKind)7, 5, 3_600_000, "Limit rule 2 of 2: the kind is 7; it must be Requests or Tokens.")]
    public async Task Admit_InvalidRule_NamesTheRuleAndWhatIsAllowed(LimitKind kind, long amount, long windowMilliseconds, string expected)
    {
        var rule = new LimitRule(kind, amount, TimeSpan.FromMilliseconds(windowMilliseconds));

        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => _redis.Limiter().AdmitAsync("key-1", [TenRequestsPerHour, rule], 0));

        Assert.Equal("rules", error.ParamName);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Empty(await _redis.KeysUnderPrefixAsync());
    }

    [Fact]
    public async Task Status_WindowOfPartMilliseconds_IsRefused()
    {
        var rule = new LimitRule(LimitKind.Requests, 5, TimeSpan.FromTicks(TimeSpan.TicksPerSecond + 1));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => _redis.Limiter().StatusAsync("key-1", [rule]));

        Assert.Contains("it must be a whole number of milliseconds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admit_MissingRuleOrSubject_IsNamed()
    {
        var limiter = _redis.Limiter();

        var missingRule = await Assert.ThrowsAsync<ArgumentException>(() => limiter.AdmitAsync("key-1", [null!], 0));
        var missingRules = await Assert.ThrowsAsync<ArgumentNullException>(() => limiter.AdmitAsync("key-1", null!, 0));
        var blankSubject = await Assert.ThrowsAsync<ArgumentException>(() => limiter.AdmitAsync(" ", [TenRequestsPerHour], 0));

        Assert.Contains("Limit rule 1 of 1: the rule is missing (null).", missingRule.Message, StringComparison.Ordinal);
        Assert.Equal("rules", missingRules.ParamName);
        Assert.Equal("subject", blankSubject.ParamName);
    }
}
