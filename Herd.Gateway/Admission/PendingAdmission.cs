namespace Herd.Gateway.Admission;

/// <summary>An admission sent to Redis and not yet answered (<see cref="ICompletionAdmission.Begin"/>).</summary>
/// <param name="NodeGroups">The node group patterns whose nodes may serve the request; empty for any group.</param>
/// <param name="Tickets">The Redis keys the admission sets when it admits, for the job to require when it is enqueued.</param>
/// <param name="Result">The admission; fails with a <c>RequestFailedException</c> when a limit or the budget refuses.</param>
public sealed record PendingAdmission(IReadOnlyList<string> NodeGroups, IReadOnlyList<string> Tickets, Task<AdmittedCompletion> Result);
