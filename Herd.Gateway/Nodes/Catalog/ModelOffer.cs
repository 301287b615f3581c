using Herd.Contracts.V1;
using Herd.Gateway.Adapters;

namespace Herd.Gateway.Nodes.Catalog;

/// <summary>
/// What the herd's nodes offer of one served model, together: the longest context any serves it
/// with, and every adapter and expert any of them has for it.
/// </summary>
/// <param name="Adapters">The adapter names, in order.</param>
/// <param name="Experts">The expert names, in order.</param>
public sealed record ModelOffer(string Name, int ContextLength, IReadOnlyList<string> Adapters, IReadOnlyList<string> Experts)
{
    /// <summary>The offers of these nodes' models, by model name; a model several nodes serve is one offer.</summary>
    public static IReadOnlyDictionary<string, ModelOffer> Of(IEnumerable<ServedModel> served) =>
        served.GroupBy(model => model.Name, StringComparer.Ordinal)
            .ToDictionary(
                group => group.Key,
                group => new ModelOffer(
                    group.Key,
                    // A node that reports no context length still serves the model.
                    Math.Max(1, group.Max(model => model.ContextLength)),
                    [.. group.SelectMany(model => model.Adapters).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                    [.. group.SelectMany(model => model.Experts).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]),
                StringComparer.Ordinal);

    /// <summary>The base model alone.</summary>
    public ModelChoice Alone => new(Name, ContextLength);

    /// <summary>The adapter or routing <paramref name="name"/> asks for, when this offer has it; null when it does not.</summary>
    public ModelChoice? Choose(AdapterModelName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.IsAuto)
        {
            return Experts.Count > 0 ? Alone with { RoutesToExperts = true, Experts = Experts } : null;
        }

        return Adapters.Contains(name.Adapter, StringComparer.Ordinal) ? Alone with { Adapter = name.Adapter } : null;
    }

    /// <summary>Why this offer has nothing for <paramref name="name"/>, and what it has instead.</summary>
    public string Lacks(AdapterModelName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var auto = AdapterModelName.Of(Name, AdapterModelName.Auto);
        var routes = Experts.Count > 0 ? $" '{auto}' routes to its experts ({string.Join(", ", Experts)})." : "";
        if (name.IsAuto)
        {
            return Adapters.Count > 0
                ? $"Model '{Name}' has no experts to route to, so '{auto}' is not served; name one of its adapters ({string.Join(", ", Adapters)}) as '{Name}:<adapter>', or ask for '{Name}'."
                : $"Model '{Name}' has no experts to route to, so '{auto}' is not served; ask for '{Name}'.";
        }

        return Adapters.Count > 0
            ? $"Model '{Name}' has no adapter '{name.Adapter}'. Its adapters: {string.Join(", ", Adapters)}.{routes}"
            : $"Model '{Name}' has no adapters, so '{name}' is not served; ask for '{Name}'.{routes}";
    }
}
