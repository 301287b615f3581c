namespace Herd.Gateway.Admission.Limits;

/// <summary>
/// What an admission charged: one window of every rule, and the tokens it reserved there. Hand it
/// to <see cref="UsageLimiter.SettleAsync"/> once, when the request's real token count is known.
/// </summary>
/// <param name="Subject">The key the counters belong to.</param>
/// <param name="Tokens">The tokens reserved: the prompt's plus the most the completion may produce.</param>
/// <param name="Windows">One per rule, in the order of the rules; empty when there were none.</param>
public sealed record Reservation(string Subject, long Tokens, IReadOnlyList<ChargedWindow> Windows);
