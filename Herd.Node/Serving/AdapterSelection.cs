namespace Herd.Node.Serving;

/// <summary>Which LoRA adapters a request runs with.</summary>
public abstract record AdapterSelection
{
    /// <summary>These adapters, by name, with their blend weights (one adapter: weight 1).</summary>
    public sealed record Named(IReadOnlyList<WeightedName> Adapters) : AdapterSelection;

    /// <summary>
    /// The experts nearest to the prompt (see <see cref="Experts.ExpertRouter"/>): the
    /// <paramref name="TopExperts"/> nearest of those <paramref name="Allowed"/> names (null: all).
    /// </summary>
    public sealed record Routed(int TopExperts, IReadOnlySet<string>? Allowed) : AdapterSelection;
}

/// <summary>An adapter's or expert's name and its weight in a blend.</summary>
public sealed record WeightedName(string Name, double Weight);
