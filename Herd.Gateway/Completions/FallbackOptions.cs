namespace Herd.Gateway.Completions;

/// <summary>
/// The models whose jobs move to another model when no node takes them in time, bound from the
/// <c>Herd:Gateway:Fallbacks</c> section: <c>Herd__Gateway__Fallbacks__&lt;model&gt;__Model</c> and
/// <c>Herd__Gateway__Fallbacks__&lt;model&gt;__After</c>.
/// </summary>
public sealed record FallbackOptions
{
    public const string Section = "Herd:Gateway:Fallbacks";

    /// <summary>By the model a request names (its base model, for a request with adapters).</summary>
    public Dictionary<string, ModelFallback> Models { get; init; } = new(StringComparer.Ordinal);
}
