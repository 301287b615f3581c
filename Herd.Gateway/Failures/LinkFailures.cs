namespace Herd.Gateway.Failures;

/// <summary>
/// Reads the status code of a failed job as the node link carries it (a google.rpc code in
/// <c>JobFailed.status_code</c>, set by the node or by the gateway that served the job).
/// </summary>
public static class LinkFailures
{
    public const int Cancelled = 1;
    public const int InvalidArgument = 3;
    public const int DeadlineExceeded = 4;
    public const int NotFound = 5;
    public const int PermissionDenied = 7;
    public const int ResourceExhausted = 8;
    public const int FailedPrecondition = 9;
    public const int Internal = 13;
    public const int Unavailable = 14;

    /// <summary>The failure a client is told of: its kind, the node's message, and the retry hint the node passed on.</summary>
    public static RequestFailure FailureOf(Contracts.V1.JobFailed failed)
    {
        ArgumentNullException.ThrowIfNull(failed);
        return new RequestFailure(KindOf(failed.StatusCode), failed.Message) { RetryAfter = failed.RetryAfter?.ToTimeSpan() };
    }

    public static FailureKind KindOf(int linkStatus) => linkStatus switch
    {
        Cancelled => FailureKind.Cancelled,
        InvalidArgument => FailureKind.InvalidRequest,
        DeadlineExceeded => FailureKind.NoNodeInTime,
        NotFound => FailureKind.ModelNotServed,
        PermissionDenied => FailureKind.Forbidden,
        // A node sends these about adapters: no room to load one now, or one that does not load.
        ResourceExhausted => FailureKind.NodeBusy,
        FailedPrecondition => FailureKind.NodeCannotServe,
        Unavailable => FailureKind.Unavailable,
        _ => FailureKind.NodeFailed,
    };
}
