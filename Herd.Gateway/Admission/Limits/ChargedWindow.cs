using Herd.Gateway.Access.Roles;
namespace Herd.Gateway.Admission.Limits;

/// <summary>One window of one rule that an admission charged.</summary>
/// <param name="Start">When the window began, by the Redis server's clock; a multiple of the rule's window since the Unix epoch.</param>
public sealed record ChargedWindow(LimitRule Rule, DateTimeOffset Start)
{
    /// <summary>When the window ends and a new one, with nothing used, begins.</summary>
    public DateTimeOffset ResetsAt => Start + Rule.Window;
}
