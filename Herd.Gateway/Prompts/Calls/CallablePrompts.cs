using Herd.Gateway.Failures;
using Herd.Gateway.Ledger;
using Herd.Gateway.Prompts.Repository;

namespace Herd.Gateway.Prompts.Calls;

/// <summary>
/// Finds the version a call runs, for prompt calls and chain steps alike; a ledger that cannot be
/// reached is <see cref="FailureKind.Unavailable"/>, which every door answers as such, rather than
/// an error the caller cannot act on.
/// </summary>
public sealed class CallablePrompts(PromptRepository repository)
{
    /// <exception cref="RequestFailedException">The ledger, which holds the prompts, is unreachable.</exception>
    public async Task<PromptVersionRecord?> FindAsync(string promptId, string version, string stage, PromptVisibility visibility, CancellationToken cancellationToken)
    {
        try
        {
            return await repository.FindCallableAsync(promptId, version, stage, visibility, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (LedgerFailures.IsUnreachable(exception) && !cancellationToken.IsCancellationRequested)
        {
            throw new RequestFailedException(FailureKind.Unavailable,
                $"The prompt repository is in the herd's ledger database (PostgreSQL), which is unreachable; retry shortly, and if it persists ask an operator to check ConnectionStrings:ledger. ({LedgerMigrator.Describe(exception)})");
        }
    }
}
