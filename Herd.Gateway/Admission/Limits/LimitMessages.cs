using Herd.Gateway.Access.Roles;
namespace Herd.Gateway.Admission.Limits;

/// <summary>
/// What a client is told when a limit refuses its request; the caller answers RESOURCE_EXHAUSTED
/// with it.
/// </summary>
public static class LimitMessages
{
    /// <summary>
    /// "Limit reached: 20 requests per 1h for this key; it resets at 2026-11-25T11:00:00Z (in 12 min)."
    /// Times are from the Redis server's clock, as of the refusal.
    /// </summary>
    public static string Describe(LimitRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var rule = LimitText.Rule(refusal.Rule);
        if (!refusal.WaitingHelps)
        {
            return $"This request reserves {refusal.Needed} tokens (its prompt plus its maximum completion tokens), "
                + $"more than this key's limit of {rule}; ask for fewer completion tokens or send a shorter prompt.";
        }

        var usage = refusal.Rule.Kind == LimitKind.Tokens
            ? $" ({refusal.Used} used, and this request reserves {refusal.Needed}: its prompt plus its maximum completion tokens)"
            : string.Empty;
        return $"Limit reached: {rule} for this key{usage}; it resets at {LimitText.Instant(refusal.ResetsAt)} "
            + $"({LimitText.Until(refusal.ResetsAt - refusal.Now)}).";
    }

    /// <summary>
    /// How long the client should wait before trying again, in milliseconds (at least 1); null
    /// when waiting will not help (<see cref="LimitRefusal.WaitingHelps"/>).
    /// </summary>
    public static long? RetryAfterMilliseconds(LimitRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        if (!refusal.WaitingHelps)
        {
            return null;
        }

        return Math.Max(1, (long)Math.Ceiling((refusal.ResetsAt - refusal.Now).TotalMilliseconds));
    }
}
