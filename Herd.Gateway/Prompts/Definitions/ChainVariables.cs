using Herd.Contracts.V1;

namespace Herd.Gateway.Prompts.Definitions;

/// <summary>
/// The variables a chain takes from its caller: those of its steps' prompts that no earlier
/// step's answer fills, each once, with the default of the first step that declares it.
/// </summary>
public static class ChainVariables
{
    /// <param name="steps">the chain's steps</param>
    /// <param name="stepVariables">the variables of each step's prompt, in step order</param>
    /// <param name="problems">where a step's output that no later step takes is reported</param>
    public static IReadOnlyList<PromptVariable> Gather(IReadOnlyList<ChainStep> steps, IReadOnlyList<IReadOnlyList<PromptVariable>> stepVariables, ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(stepVariables);
        ArgumentNullException.ThrowIfNull(problems);
        var filled = new HashSet<string>(StringComparer.Ordinal);
        var gathered = new List<PromptVariable>();
        for (var index = 0; index < steps.Count; index++)
        {
            foreach (var variable in stepVariables[index])
            {
                if (!filled.Contains(variable.Name) && gathered.All(known => known.Name != variable.Name))
                {
                    gathered.Add(variable.Clone());
                }
            }

            var output = steps[index].OutputVariable;
            if (output.Length == 0)
            {
                continue;
            }

            if (!stepVariables.Skip(index + 1).Any(later => later.Any(variable => variable.Name == output)))
            {
                problems.Add($"step {index + 1}: its answer fills '{output}', which no later step's prompt has among its variables");
            }

            filled.Add(output);
        }

        return gathered;
    }
}
