namespace Herd.Gateway.Failures;

/// <summary>
/// Why a request was refused or did not finish, whichever door it came through. Each door turns a
/// kind into its own answer in one place: a gRPC status at the gRPC door, an HTTP status and an
/// error body at the HTTP door.
/// </summary>
public enum FailureKind
{
    /// <summary>The request is malformed: a field is missing, out of range or does not parse.</summary>
    InvalidRequest,

    /// <summary>No API key, or one the gateway does not know.</summary>
    Unauthenticated,

    /// <summary>The key's role does not allow what was asked (the method, model, priority or node groups).</summary>
    Forbidden,

    /// <summary>No node in the herd serves the model.</summary>
    ModelNotServed,

    /// <summary>No callable prompt (or chain) with that id and version that the caller's role may see.</summary>
    PromptNotFound,

    /// <summary>One of the key's request or token limits has no room now.</summary>
    OverLimit,

    /// <summary>The key's budget cannot pay for the most the request may cost.</summary>
    OverBudget,

    /// <summary>The model's queue holds as many jobs as it may.</summary>
    QueueFull,

    /// <summary>Something the request needs is away for now (Redis, the ledger, every node draining); retrying later may work.</summary>
    Unavailable,

    /// <summary>No node took the job within the queue's maximum wait.</summary>
    NoNodeInTime,

    /// <summary>The node that ran the job failed it.</summary>
    NodeFailed,

    /// <summary>
    /// The node that took the job had no room for what it needs now (every adapter it may hold
    /// is in use by running requests); retrying later may work.
    /// </summary>
    NodeBusy,

    /// <summary>
    /// The node cannot serve what the request asks for as it is set up (an adapter that does not
    /// load); retrying will not help until an operator mends the node.
    /// </summary>
    NodeCannotServe,

    /// <summary>The request was cancelled before it finished, by the client or an operator.</summary>
    Cancelled,
}
