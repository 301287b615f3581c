using Herd.Gateway.Access.Roles;
namespace Herd.Gateway.Admission.Limits;

/// <summary>
/// Why a request was refused: the rule that keeps it out longest. <see cref="LimitMessages"/>
/// turns it into the client's message and retry delay.
/// </summary>
/// <param name="Used">What the rule's current window had used before this request.</param>
/// <param name="Needed">What this request would add under the rule: 1 request, or the tokens it reserves.</param>
/// <param name="ResetsAt">When the rule's current window ends, by the Redis server's clock.</param>
/// <param name="Now">When the request was refused, by the same clock.</param>
public sealed record LimitRefusal(LimitRule Rule, long Used, long Needed, DateTimeOffset ResetsAt, DateTimeOffset Now)
{
    /// <summary>
    /// False when the request needs more than the rule allows in a whole window (more tokens than
    /// the limit): no wait will let it in.
    /// </summary>
    public bool WaitingHelps => Needed <= Rule.Amount;
}
