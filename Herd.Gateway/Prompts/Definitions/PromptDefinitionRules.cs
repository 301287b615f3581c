using Herd.Contracts.V1;
using Herd.Gateway.Completions;
using Herd.Gateway.Failures;
using Herd.Gateway.Ledger;
using Herd.Gateway.Prompts.Templates;

namespace Herd.Gateway.Prompts.Definitions;

/// <summary>
/// What a prompt version must be to be published, checked before anything is stored: every
/// problem found, each naming its field. Whether a chain's steps name prompts that exist is the
/// repository's to check.
/// </summary>
public static class PromptDefinitionRules
{
    public const int MaxTargetModels = 16;
    public const int MaxVariables = 64;
    public const int MaxDefaultLength = 100_000;
    public const int MinSteps = 2;
    public const int MaxSteps = 8;

    /// <summary>Every problem of <paramref name="definition"/>, whose version and stage are already filled in; empty when it may be published.</summary>
    public static IReadOnlyList<string> Problems(PromptDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var problems = new List<string>();
        void Require(bool condition, string problem)
        {
            if (!condition)
            {
                problems.Add(problem);
            }
        }

        Require(PromptNames.IsId(definition.Id), $"id '{definition.Id}' is not allowed: an id is {PromptNames.IdShape}");
        Require(PromptNames.IsVersion(definition.Version), $"version '{definition.Version}' is not allowed: a version is {PromptNames.VersionShape}");
        Require(PromptNames.IsStage(definition.Stage), $"stage '{definition.Stage}' is not allowed: a stage is {PromptNames.StageShape}");
        Require(!string.IsNullOrWhiteSpace(definition.Name) && definition.Name.Length <= PromptVersionRecord.MaxNameLength, $"name must have 1 to {PromptVersionRecord.MaxNameLength} characters, not all blank");
        Require(definition.Description.Length <= PromptVersionRecord.MaxDescriptionLength, $"description must have at most {PromptVersionRecord.MaxDescriptionLength} characters");
        Require(definition.TargetModels.Count <= MaxTargetModels, $"target_models may name at most {MaxTargetModels} models");
        Require(definition.TargetModels.All(model => model.Length is > 0 and <= UsageRecord.MaxModelLength), $"each of target_models must have 1 to {UsageRecord.MaxModelLength} characters");
        Require(definition.TargetModels.Distinct(StringComparer.Ordinal).Count() == definition.TargetModels.Count, "target_models names a model twice");
        if (definition.Sampling is { } sampling)
        {
            try
            {
                CompletionRequestValidator.ValidateSampling(sampling);
            }
            catch (RequestFailedException exception)
            {
                problems.Add($"param: {exception.Message}");
            }
        }

        if (definition.Steps.Count > 0)
        {
            ChainProblems(definition, Require);
        }
        else
        {
            TemplateProblems(definition, problems, Require);
        }

        return problems;
    }

    private static void TemplateProblems(PromptDefinition definition, List<string> problems, Action<bool, string> require)
    {
        require(definition.Variables.Count <= MaxVariables, $"a prompt may declare at most {MaxVariables} variables");
        foreach (var variable in definition.Variables)
        {
            require(PromptNames.IsVariable(variable.Name), $"variable name '{variable.Name}' is not allowed: a variable name is {PromptNames.VariableShape}");
            require(variable.DefaultValue.Length <= MaxDefaultLength, $"the default of variable '{variable.Name}' must have at most {MaxDefaultLength} characters");
        }

        var declared = definition.Variables.Select(variable => variable.Name).ToList();
        foreach (var twice in declared.GroupBy(name => name, StringComparer.Ordinal).Where(group => group.Count() > 1))
        {
            problems.Add($"variable '{twice.Key}' is declared twice");
        }

        if (definition.Template.Length is 0 or > PromptTemplate.MaxLength)
        {
            problems.Add($"prompt (the template) must have 1 to {PromptTemplate.MaxLength} characters; a chain has steps instead");
            return;
        }

        PromptTemplate template;
        try
        {
            template = PromptTemplate.Parse(definition.Template);
        }
        catch (FormatException exception)
        {
            problems.Add($"prompt: {exception.Message}");
            return;
        }

        foreach (var used in template.Variables.Where(name => !declared.Contains(name, StringComparer.Ordinal)))
        {
            problems.Add($"prompt uses {{{{{used}}}}}, which is not among its variables; declare it with a default");
        }

        foreach (var unused in declared.Where(name => !template.Variables.Contains(name, StringComparer.Ordinal)))
        {
            problems.Add($"variable '{unused}' is declared but the prompt never uses it");
        }
    }

    private static void ChainProblems(PromptDefinition definition, Action<bool, string> require)
    {
        require(definition.Template.Length == 0, "a chain has steps or a prompt (template), not both");
        require(definition.Variables.Count == 0, "a chain declares no variables of its own: it takes those of its steps' prompts");
        require(definition.Steps.Count is >= MinSteps and <= MaxSteps, $"a chain has {MinSteps} to {MaxSteps} steps, not {definition.Steps.Count}");
        for (var index = 0; index < definition.Steps.Count; index++)
        {
            var step = definition.Steps[index];
            var name = $"step {index + 1}";
            require(PromptNames.IsId(step.PromptId), $"{name}: prompt '{step.PromptId}' is not a prompt id ({PromptNames.IdShape})");
            require(step.Version.Length == 0 || PromptNames.IsVersion(step.Version), $"{name}: version '{step.Version}' is not allowed: a version is {PromptNames.VersionShape}");
            require(step.PromptId != definition.Id, $"{name}: a chain cannot call itself");
            var last = index == definition.Steps.Count - 1;
            if (last)
            {
                require(step.OutputVariable.Length == 0, $"{name}: the last step's answer is the chain's; it fills no variable (leave output out)");
            }
            else
            {
                require(PromptNames.IsVariable(step.OutputVariable), $"{name}: output '{step.OutputVariable}' must name the variable of a later step that this step's answer fills ({PromptNames.VariableShape})");
            }
        }
    }
}
