using System.Globalization;
using Herd.Gateway.Access.Roles;

namespace Herd.Gateway.Admission.Limits;

/// <summary>
/// What a <see cref="LimitRule"/> may hold, checked where rules come in (configuration, and every
/// call of <see cref="UsageLimiter"/>) so that a bad rule is named instead of misbehaving in Redis.
/// </summary>
public static class LimitRuleValidation
{
    /// <summary>
    /// The largest amount of a rule, and of one request's tokens. Counters stay far below 2^53,
    /// where Lua's numbers stop being exact.
    /// </summary>
    public const long MaximumAmount = 1_000_000_000_000_000;

    /// <summary>The longest window a rule may have: a year, with a leap day.</summary>
    public static readonly TimeSpan MaximumWindow = TimeSpan.FromDays(366);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first rule that is not valid.</summary>
    public static void ThrowIfInvalid(IReadOnlyList<LimitRule> rules, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(rules, parameterName);
        for (var i = 0; i < rules.Count; i++)
        {
            if (Problem(rules[i]) is { } problem)
            {
                throw new ArgumentException($"Limit rule {i + 1} of {rules.Count}: {problem}", parameterName);
            }
        }
    }

    /// <summary>Why the rule is not valid, or null when it is.</summary>
    public static string? Problem(LimitRule? rule)
    {
        if (rule is null)
        {
            return "the rule is missing (null).";
        }

        if (!Enum.IsDefined(rule.Kind))
        {
            return $"the kind is {rule.Kind.ToString("D")}; it must be {LimitKind.Requests} or {LimitKind.Tokens}.";
        }

        if (rule.Amount is < 1 or > MaximumAmount)
        {
            return $"the amount is {rule.Amount.ToString(CultureInfo.InvariantCulture)}; it must be between 1 and {MaximumAmount.ToString(CultureInfo.InvariantCulture)}.";
        }

        if (rule.Window < LimitRule.MinimumWindow || rule.Window > MaximumWindow)
        {
            return $"the window is {LimitText.Duration(rule.Window)}; it must be between {LimitText.Duration(LimitRule.MinimumWindow)} and {LimitText.Duration(MaximumWindow)}.";
        }

        if (rule.Window.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            return $"the window is {rule.Window}; it must be a whole number of milliseconds.";
        }

        return null;
    }

    internal static long WindowMilliseconds(LimitRule rule) => rule.Window.Ticks / TimeSpan.TicksPerMillisecond;
}
