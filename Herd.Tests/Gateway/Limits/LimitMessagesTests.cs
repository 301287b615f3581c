
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Admission.Limits;
namespace Herd.Tests.Gateway.Limits;

public sealed class LimitMessagesTests
{
    private static readonly DateTimeOffset ElevenOClock = new(2026, 11, 25, 11, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Describe_RequestLimit_SaysTheRuleAndWhenItResets()
    {
        var refusal = new LimitRefusal(new LimitRule(LimitKind.Requests, 20, TimeSpan.FromHours(1)), Used: 20, Needed: 1, ElevenOClock, ElevenOClock.AddMinutes(-12));

        Assert.Equal(
            "Limit reached: 20 requests per 1h for this key; it resets at 2026-11-25T11:00:00Z (in 12 min).",
            LimitMessages.Describe(refusal));
        Assert.Equal(12 * 60 * 1000, LimitMessages.RetryAfterMilliseconds(refusal));
    }

    [Fact]
    public void Describe_TokenLimit_SaysWhatIsUsedAndWhatTheRequestReserves()
    {
        var refusal = new LimitRefusal(new LimitRule(LimitKind.Tokens, 6000, TimeSpan.FromDays(1)), Used: 5950, Needed: 200, ElevenOClock, ElevenOClock.AddSeconds(-40.2));

        Assert.Equal(
            "Limit reached: 6000 tokens per 1d for this key (5950 used, and this request reserves 200: its prompt plus its maximum completion tokens); "
                + "it resets at 2026-11-25T11:00:00Z (in 41 s).",
            LimitMessages.Describe(refusal));
        Assert.Equal(40_200, LimitMessages.RetryAfterMilliseconds(refusal));
    }

    [Fact]
    public void Describe_MoreTokensThanTheWholeLimit_SaysToAskForFewer_AndGivesNoRetry()
    {
        var refusal = new LimitRefusal(new LimitRule(LimitKind.Tokens, 6000, TimeSpan.FromHours(1)), Used: 0, Needed: 8000, ElevenOClock, ElevenOClock.AddMinutes(-30));

        Assert.Equal(
            "This request reserves 8000 tokens (its prompt plus its maximum completion tokens), more than this key's limit of 6000 tokens per 1h; "
                + "ask for fewer completion tokens or send a shorter prompt.",
            LimitMessages.Describe(refusal));
        Assert.Null(LimitMessages.RetryAfterMilliseconds(refusal));
    }

    [Theory]
    [InlineData(90, 30 * 60 * 1000, "20 requests per 1h30min", "(in 30 min)")]
    [InlineData(2 * 60, (2 * 60 + 5) * 60 * 1000 - 1, "per 2h", "(in 2 h 5 min)")]
    [InlineData(7 * 24 * 60, (3 * 24 + 4) * 3_600_000, "per 7d", "(in 3 d 4 h)")]
    [InlineData(60, 1, "per 1h", "(in 1 s)")]
    [InlineData(24 * 60, 3_600_000, "per 1d", "(in 1 h)")]
    public void Describe_WindowsAndWaits_ReadAsPeopleWriteThem(int windowMinutes, long waitMilliseconds, string window, string wait)
    {
        var refusal = new LimitRefusal(
            new LimitRule(LimitKind.Requests, 20, TimeSpan.FromMinutes(windowMinutes)), 20, 1, ElevenOClock, ElevenOClock.AddMilliseconds(-waitMilliseconds));

        var message = LimitMessages.Describe(refusal);

        Assert.Contains(window, message, StringComparison.Ordinal);
        Assert.Contains(wait, message, StringComparison.Ordinal);
        Assert.Equal(waitMilliseconds, LimitMessages.RetryAfterMilliseconds(refusal));
    }

    [Fact]
    public void Describe_ResetOnAPartSecond_ShowsTheMilliseconds()
    {
        var refusal = new LimitRefusal(
            new LimitRule(LimitKind.Requests, 1, TimeSpan.FromMilliseconds(1500)), 1, 1, ElevenOClock.AddMilliseconds(500), ElevenOClock);

        Assert.Contains("per 1s500ms for this key; it resets at 2026-11-25T11:00:00.5Z (in 1 s).", LimitMessages.Describe(refusal), StringComparison.Ordinal);
    }
}
