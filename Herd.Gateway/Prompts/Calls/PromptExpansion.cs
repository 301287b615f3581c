using Herd.Contracts.V1;
using Herd.Gateway.Adapters;
using Herd.Gateway.Failures;
using Herd.Gateway.Ledger;
using Herd.Gateway.Nodes.Catalog;
using Herd.Gateway.Prompts.Repository;
using Herd.Gateway.Prompts.Templates;

namespace Herd.Gateway.Prompts.Calls;

/// <summary>
/// Turns a call of one published prompt version into the completion request it stands for: the
/// template filled with the caller's values over the defaults, the caller's sampling over the
/// prompt's, and a model among the prompt's targets.
/// </summary>
public sealed class PromptExpansion(ModelCatalog catalog)
{
    public const int MaxValueLength = 100_000;

    /// <param name="prompt">the version that runs</param>
    /// <param name="call">the caller's request: its model, sampling, priority and request id</param>
    /// <param name="values">the variables' values, each a variable of the prompt</param>
    /// <exception cref="RequestFailedException">A model outside the prompt's targets, or none where it names none.</exception>
    public async Task<CompletionRequest> ExpandAsync(PromptVersionRecord prompt, CompletionRequest call, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(values);
        var filled = PromptRecords.Variables(prompt).ToDictionary(variable => variable.Name, variable => variable.Default, StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            filled[name] = value;
        }

        return new CompletionRequest
        {
            Model = await ModelAsync(prompt, call.Model).ConfigureAwait(false),
            Prompt = PromptTemplate.Fill(prompt.Template, filled),
            Sampling = Sampling(prompt, call.Sampling),
            Priority = call.Priority,
            RequestId = call.RequestId,
            TopExperts = call.TopExperts,
        };
    }

    /// <summary>Refuses values of variables the prompt does not have, and values too long, naming the variable.</summary>
    /// <exception cref="RequestFailedException">An unknown variable or an oversized value.</exception>
    public static void RequireKnown(IReadOnlyDictionary<string, string> values, IReadOnlyCollection<string> variables, string what)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(variables);
        foreach (var (name, value) in values.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (!variables.Contains(name, StringComparer.Ordinal))
            {
                var known = variables.Count == 0 ? "it has none" : "its variables are " + string.Join(", ", variables);
                throw new RequestFailedException(FailureKind.InvalidRequest, $"{what} has no variable '{Shown(name)}'; {known}.");
            }

            if (value.Length > MaxValueLength)
            {
                throw new RequestFailedException(FailureKind.InvalidRequest, $"The value of variable '{name}' has {value.Length} characters; at most {MaxValueLength} are taken.");
            }
        }
    }

    /// <summary>The caller's model, which must be a target; else the first target a node serves; else the first target, whose refusal then says it is not served.</summary>
    private async Task<string> ModelAsync(PromptVersionRecord prompt, string asked)
    {
        var targets = prompt.TargetModels;
        if (asked.Length > 0)
        {
            if (targets.Count > 0 && !targets.Contains(asked, StringComparer.Ordinal) && !IsAdapterOfATarget(asked, targets))
            {
                throw new RequestFailedException(FailureKind.InvalidRequest, $"Prompt '{prompt.PromptId}' version '{prompt.Version}' is written for {string.Join(", ", targets)}, not '{Shown(asked)}'; name one of them or leave model empty.");
            }

            return asked;
        }

        if (targets.Count == 0)
        {
            throw new RequestFailedException(FailureKind.InvalidRequest, $"Prompt '{prompt.PromptId}' version '{prompt.Version}' names no target model; give the model to run it on.");
        }

        foreach (var target in targets)
        {
            try
            {
                await catalog.RequireServedAsync(target).ConfigureAwait(false);
                return target;
            }
            catch (RequestFailedException exception) when (exception.Kind is FailureKind.ModelNotServed or FailureKind.Unavailable)
            {
                // Not served now: the next target may be.
            }
        }

        return targets[0];
    }

    /// <summary>A target model with one of its adapters (<c>target:adapter</c>, <c>target:auto</c>) runs the prompt on that target.</summary>
    private static bool IsAdapterOfATarget(string asked, IReadOnlyCollection<string> targets) =>
        AdapterModelName.TryParse(asked, out var named) && targets.Contains(named.Base, StringComparer.Ordinal);

    /// <summary>The prompt's defaults with the caller's settings over them, field by field; the caller's stop sequences replace the prompt's.</summary>
    private static SamplingParams Sampling(PromptVersionRecord prompt, SamplingParams? asked)
    {
        var merged = Google.Protobuf.JsonParser.Default.Parse<SamplingParams>(prompt.SamplingJson);
        if (asked is null)
        {
            return merged;
        }

        if (asked.Stop.Count > 0)
        {
            merged.Stop.Clear();
        }

        merged.MergeFrom(asked);
        return merged;
    }

    /// <summary>A caller's name as an error message may show it: cut, so a hostile one cannot fill the message.</summary>
    private static string Shown(string text) => text.Length <= 64 ? text : text[..64] + "...";
}
