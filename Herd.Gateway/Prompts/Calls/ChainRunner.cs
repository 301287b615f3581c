using System.Runtime.CompilerServices;
using System.Text;
using Google.Protobuf.Collections;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Completions;
using Herd.Gateway.Failures;
using Herd.Gateway.Ledger;
using Herd.Gateway.Prompts.Definitions;
using Herd.Gateway.Prompts.Repository;

namespace Herd.Gateway.Prompts.Calls;

/// <summary>
/// Runs a chain as one request: each step's prompt in turn, each a completion of its own in the
/// ledger under one parent request id, the answer of a step filling the variable of later steps it
/// names, and only the last step streamed to the caller. A step that fails fails the chain, and the
/// failure names the step.
/// </summary>
public sealed partial class ChainRunner(
    CompletionRunner runner,
    CallablePrompts prompts,
    PromptExpansion expansion,
    ILogger<ChainRunner> logger)
{
    /// <exception cref="RequestFailedException">A malformed call, or the step that failed and why.</exception>
    public async IAsyncEnumerable<CompletionEvent> RunAsync(PromptVersionRecord chain, CompletionRequest request, Caller? caller, Door door, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(request);
        var what = $"Chain '{chain.PromptId}' version '{chain.Version}'";
        if (request.Model.Length > 0)
        {
            throw new RequestFailedException(FailureKind.InvalidRequest, $"{what} runs each step on its prompt's own target models; leave model empty.");
        }

        var steps = PromptRecords.Steps(chain);
        var visibility = caller is null ? PromptVisibility.Everything : PromptVisibility.Of(caller.Role);
        var stepPrompts = await ResolveAsync(chain, steps, visibility, cancellationToken).ConfigureAwait(false);
        var values = request.PromptCall.Variables;
        PromptExpansion.RequireKnown(values, ChainVariableNames(steps, stepPrompts), what);

        var parentId = Guid.NewGuid().ToString("N");
        LogStarted(chain.PromptId, chain.Version, parentId, steps.Count);
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var index = 0; index < steps.Count; index++)
        {
            var step = Describe(chain, index, stepPrompts[index]);
            var stepValues = ValuesFor(stepPrompts[index], values, outputs);
            CompletionRequest expanded;
            try
            {
                expanded = await expansion.ExpandAsync(stepPrompts[index], request, stepValues).ConfigureAwait(false);
            }
            catch (RequestFailedException exception)
            {
                throw InStep(step, exception);
            }

            var origin = new PromptOrigin(stepPrompts[index].PromptId, stepPrompts[index].Version, parentId);
            var last = index == steps.Count - 1;
            var answer = new StringBuilder();
            var events = runner.RunAsync(expanded, caller, door, origin, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    try
                    {
                        if (!await events.MoveNextAsync().ConfigureAwait(false))
                        {
                            break;
                        }
                    }
                    catch (RequestFailedException exception)
                    {
                        throw InStep(step, exception);
                    }

                    var current = events.Current;
                    if (last)
                    {
                        yield return current;
                    }
                    else if (current.EventCase == CompletionEvent.EventOneofCase.Delta)
                    {
                        answer.Append(current.Delta.Text);
                    }
                    else if (current.Done is { FinishReason: FinishReason.Cancelled } done)
                    {
                        throw new RequestFailedException(FailureKind.Unavailable, $"{step} was stopped by node {done.NodeId} before it finished; run the chain again.");
                    }
                }
            }
            finally
            {
                await events.DisposeAsync().ConfigureAwait(false);
            }

            if (steps[index].Output is { } output)
            {
                outputs[output] = answer.ToString();
            }
        }
    }

    /// <summary>Each step's prompt version, as the caller may call it now.</summary>
    private async Task<List<PromptVersionRecord>> ResolveAsync(PromptVersionRecord chain, IReadOnlyList<StoredStep> steps, PromptVisibility visibility, CancellationToken cancellationToken)
    {
        var resolved = new List<PromptVersionRecord>();
        for (var index = 0; index < steps.Count; index++)
        {
            var step = steps[index];
            var prompt = await prompts.FindAsync(step.Prompt, step.Version ?? string.Empty, string.Empty, visibility, cancellationToken).ConfigureAwait(false);
            if (prompt is null || PromptRecords.Steps(prompt).Count > 0)
            {
                var which = step.Version is null ? $"prompt '{step.Prompt}'" : $"version '{step.Version}' of prompt '{step.Prompt}'";
                throw new RequestFailedException(FailureKind.PromptNotFound, $"Step {index + 1} of chain '{chain.PromptId}' version '{chain.Version}' calls {which}, and there is no callable one that your role may use.");
            }

            resolved.Add(prompt);
        }

        return resolved;
    }

    private static List<string> ChainVariableNames(IReadOnlyList<StoredStep> steps, List<PromptVersionRecord> prompts)
    {
        var chainSteps = steps.Select(step => new ChainStep { PromptId = step.Prompt, OutputVariable = step.Output ?? string.Empty }).ToList();
        var stepVariables = prompts.Select(prompt => (IReadOnlyList<PromptVariable>)PromptRecords.Variables(prompt)
            .Select(variable => new PromptVariable { Name = variable.Name, DefaultValue = variable.Default }).ToList()).ToList();
        // A step's newer version may have dropped the variable an earlier step fills: the call still
        // runs, and that answer is simply not used.
        return ChainVariables.Gather(chainSteps, stepVariables, new List<string>()).Select(variable => variable.Name).ToList();
    }

    /// <summary>The values one step's prompt takes: earlier steps' answers over the caller's values, each only if the prompt has that variable.</summary>
    private static Dictionary<string, string> ValuesFor(PromptVersionRecord prompt, MapField<string, string> called, Dictionary<string, string> outputs)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in PromptRecords.Variables(prompt))
        {
            if (outputs.TryGetValue(variable.Name, out var output))
            {
                values[variable.Name] = output;
            }
            else if (called.TryGetValue(variable.Name, out var value))
            {
                values[variable.Name] = value;
            }
        }

        return values;
    }

    private static string Describe(PromptVersionRecord chain, int index, PromptVersionRecord prompt) =>
        $"Step {index + 1} of chain '{chain.PromptId}' version '{chain.Version}' (prompt '{prompt.PromptId}' version '{prompt.Version}')";

    private static RequestFailedException InStep(string step, RequestFailedException exception) =>
        new(exception.Failure with { Message = $"{step} failed: {exception.Failure.Message}" });

    [LoggerMessage(Level = LogLevel.Debug, Message = "Chain {ChainId} version {Version} started as {ParentRequestId} with {Steps} steps")]
    private partial void LogStarted(string chainId, string version, string parentRequestId, int steps);
}
