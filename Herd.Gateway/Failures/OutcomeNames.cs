namespace Herd.Gateway.Failures;

/// <summary>
/// How the ledger and the telemetry name a request's outcome, whichever door it came through: by
/// the canonical status names of google.rpc (<c>OK</c>, <c>RESOURCE_EXHAUSTED</c>, ...), which
/// the ledger's records have always used.
/// </summary>
public static class OutcomeNames
{
    public const string Ok = "OK";
    public const string Cancelled = "CANCELLED";

    /// <summary>The name of a failure of this kind.</summary>
    public static string Of(FailureKind kind) => kind switch
    {
        FailureKind.InvalidRequest => "INVALID_ARGUMENT",
        FailureKind.Unauthenticated => "UNAUTHENTICATED",
        FailureKind.Forbidden => "PERMISSION_DENIED",
        FailureKind.ModelNotServed or FailureKind.PromptNotFound => "NOT_FOUND",
        FailureKind.OverLimit or FailureKind.OverBudget or FailureKind.QueueFull or FailureKind.NodeBusy => "RESOURCE_EXHAUSTED",
        FailureKind.NodeCannotServe => "FAILED_PRECONDITION",
        FailureKind.Unavailable => "UNAVAILABLE",
        FailureKind.NoNodeInTime => "DEADLINE_EXCEEDED",
        FailureKind.Cancelled => Cancelled,
        _ => "INTERNAL",
    };
}
