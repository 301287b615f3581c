using System.Runtime.CompilerServices;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Completions;
using Herd.Gateway.Failures;
using Herd.Gateway.Ledger;
using Herd.Gateway.Prompts.Definitions;
using Herd.Gateway.Prompts.Repository;

namespace Herd.Gateway.Prompts.Calls;

/// <summary>
/// The doors' way into a completion that may call a published prompt: a request with a
/// <see cref="PromptCall"/> is looked up (among what the caller's role may see), expanded and run,
/// or run step by step when it is a chain; any other request goes to the
/// <see cref="CompletionRunner"/> as it is.
/// </summary>
/// <param name="prompts">The prompt repository's lookup; null when the gateway has no ledger (access control off).</param>
/// <param name="chains">The chain runner; null when the gateway has no ledger.</param>
public sealed class PromptedCompletions(
    CompletionRunner runner,
    CallablePrompts? prompts,
    PromptExpansion expansion,
    ChainRunner? chains)
{
    public const int MaxVariables = 256;

    /// <exception cref="RequestFailedException">Why the request was refused or did not finish.</exception>
    public async IAsyncEnumerable<CompletionEvent> RunAsync(CompletionRequest request, Caller? caller, Door door, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.InputCase != CompletionRequest.InputOneofCase.PromptCall)
        {
            await foreach (var completionEvent in runner.RunAsync(request, caller, door, cancellationToken).ConfigureAwait(false))
            {
                yield return completionEvent;
            }

            yield break;
        }

        var call = request.PromptCall;
        var prompt = await FindAsync(call, caller, cancellationToken).ConfigureAwait(false);
        var events = PromptRecords.Steps(prompt).Count > 0
            ? chains!.RunAsync(prompt, request, caller, door, cancellationToken)
            : RunPromptAsync(prompt, request, caller, door, cancellationToken);
        await foreach (var completionEvent in events.ConfigureAwait(false))
        {
            yield return completionEvent;
        }
    }

    private async IAsyncEnumerable<CompletionEvent> RunPromptAsync(PromptVersionRecord prompt, CompletionRequest request, Caller? caller, Door door, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var values = request.PromptCall.Variables;
        PromptExpansion.RequireKnown(values, PromptRecords.Variables(prompt).Select(variable => variable.Name).ToList(), $"Prompt '{prompt.PromptId}' version '{prompt.Version}'");
        var expanded = await expansion.ExpandAsync(prompt, request, values).ConfigureAwait(false);
        await foreach (var completionEvent in runner.RunAsync(expanded, caller, door, new PromptOrigin(prompt.PromptId, prompt.Version), cancellationToken).ConfigureAwait(false))
        {
            yield return completionEvent;
        }
    }

    /// <exception cref="RequestFailedException">A malformed call, or no version the caller may call.</exception>
    private async Task<PromptVersionRecord> FindAsync(PromptCall call, Caller? caller, CancellationToken cancellationToken)
    {
        Require(PromptNames.IsId(call.Id), $"prompt_call.id must be a prompt id ({PromptNames.IdShape})");
        Require(call.Version.Length == 0 || PromptNames.IsVersion(call.Version), $"prompt_call.version must be empty or a version ({PromptNames.VersionShape})");
        Require(call.Stage.Length == 0 || PromptNames.IsStage(call.Stage), $"prompt_call.stage must be empty or a stage ({PromptNames.StageShape})");
        Require(call.Variables.Count <= MaxVariables, $"prompt_call.variables may hold at most {MaxVariables} values");
        if (prompts is null)
        {
            throw new RequestFailedException(FailureKind.PromptNotFound, "This gateway runs with access control off (Herd:Gateway:Access:Enabled=false): the prompt repository lives in its ledger, which it does not have. Send the prompt's text instead.");
        }

        var visibility = caller is null ? PromptVisibility.Everything : PromptVisibility.Of(caller.Role);
        var found = await prompts.FindAsync(call.Id, call.Version, call.Stage, visibility, cancellationToken).ConfigureAwait(false);
        if (found is not null)
        {
            return found;
        }

        var which = (call.Version, call.Stage) switch
        {
            ({ Length: > 0 } version, _) => $"version '{version}' of prompt '{call.Id}'",
            (_, { Length: > 0 } stage) => $"version of prompt '{call.Id}' on stage '{stage}'",
            _ => $"version of prompt '{call.Id}'",
        };
        throw new RequestFailedException(FailureKind.PromptNotFound, $"There is no callable {which} that your role may use; list the prompts you may call with Prompts/ListPrompts.");
    }

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new RequestFailedException(FailureKind.InvalidRequest, problem + ".");
        }
    }
}
