using Herd.Gateway.Access.Roles;
namespace Herd.Gateway.Admission.Limits;

/// <summary>Where a key stands under one rule, in the rule's current window.</summary>
/// <param name="Used">Requests admitted, or tokens reserved and settled, in the current window. It may pass the amount when requests used more tokens than they reserved.</param>
/// <param name="Remaining">The amount less what is used; never below zero.</param>
/// <param name="ResetsAt">When the current window ends, by the Redis server's clock.</param>
public sealed record LimitStatus(LimitRule Rule, long Used, long Remaining, DateTimeOffset ResetsAt);
