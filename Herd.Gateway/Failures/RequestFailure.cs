namespace Herd.Gateway.Failures;

/// <summary>What went wrong with a request, in words a person can act on.</summary>
/// <param name="Message">Says what was wrong and, where it helps, what is accepted or when to retry.</param>
public sealed record RequestFailure(FailureKind Kind, string Message)
{
    /// <summary>When a retry may succeed (a limit's window, a full queue); null when the failure says nothing about it.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
