using Herd.Contracts.V1;
using Herd.Gateway.Access;

namespace Herd.Gateway.Admission;

/// <summary>
/// Decides whether a completion may run and what it is charged: <see cref="KeyedAdmission"/>
/// checks the caller's role, limits and budget; <see cref="OpenAdmission"/>, where access control
/// is off, lets everything through and charges nothing.
/// </summary>
public interface ICompletionAdmission
{
    /// <summary>
    /// Checks what can be checked at once and sends the rest to Redis without waiting: a job
    /// enqueued right after, in the same round trip, with <see cref="PendingAdmission.Tickets"/>
    /// is queued only if the admission let it through.
    /// </summary>
    /// <param name="caller">The verified caller; null when access control is off.</param>
    /// <param name="contextLength">The longest context a node serves the model with: no request uses more tokens.</param>
    /// <param name="jobId">The job the admission is for, which names its tickets.</param>
    /// <exception cref="Failures.RequestFailedException">Refused at once (the role forbids it); the pending result fails likewise over a limit or the budget.</exception>
    PendingAdmission Begin(Caller? caller, CompletionRequest request, int contextLength, string jobId);

    /// <summary>What a request that used these tokens costs; nothing when it never reached a node.</summary>
    decimal FeeOf(AdmittedCompletion admitted, bool reachedNode, int promptTokens, int completionTokens);

    /// <summary>Counts what the request really used against the limits and the budget, in place of what was reserved.</summary>
    /// <param name="promptTokens">The prompt tokens the request is charged.</param>
    /// <param name="fee">What the request cost (<see cref="FeeOf"/>).</param>
    Task SettleAsync(AdmittedCompletion admitted, int promptTokens, int completionTokens, decimal fee);
}
