using Herd.Contracts.V1;
using Herd.Gateway.Access;

namespace Herd.Gateway.Admission;

/// <summary>The admission where access control is off: every request runs, on any node group, and costs nothing.</summary>
public sealed class OpenAdmission : ICompletionAdmission
{
    private static readonly Task<AdmittedCompletion> Admitted = Task.FromResult(AdmittedCompletion.Unchecked);

    public PendingAdmission Begin(Caller? caller, CompletionRequest request, int contextLength, string jobId) => new([], [], Admitted);

    public decimal FeeOf(AdmittedCompletion admitted, bool reachedNode, int promptTokens, int completionTokens) => 0m;

    public Task SettleAsync(AdmittedCompletion admitted, int promptTokens, int completionTokens, decimal fee) => Task.CompletedTask;
}
