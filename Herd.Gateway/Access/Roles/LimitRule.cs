namespace Herd.Gateway.Access.Roles;

/// <summary>What a limit counts.</summary>
public enum LimitKind
{
    /// <summary>Requests admitted.</summary>
    Requests,

    /// <summary>Prompt plus completion tokens.</summary>
    Tokens,
}

/// <summary>
/// One limit of a role, such as 20 requests per hour or 6000 tokens per hour. A key is held to
/// every rule of its role at once; each counts in fixed windows of <see cref="Window"/> aligned to
/// the Unix epoch, in UTC.
/// </summary>
public sealed record LimitRule(LimitKind Kind, long Amount, TimeSpan Window)
{
    /// <summary>The shortest window a rule may have; shorter ones would cost Redis more than they protect.</summary>
    public static readonly TimeSpan MinimumWindow = TimeSpan.FromSeconds(1);

    public override string ToString() => $"{Amount} {(Kind == LimitKind.Requests ? "requests" : "tokens")} per {Window}";
}
