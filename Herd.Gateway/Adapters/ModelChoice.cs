namespace Herd.Gateway.Adapters;

/// <summary>
/// What a request's model name asks the herd to run: a served base model alone, with one named
/// adapter, or routed to the base's nearest experts. Jobs are queued and dispatched as the base.
/// </summary>
/// <param name="BaseModel">The model the nodes serve, whose queue takes the job.</param>
/// <param name="ContextLength">The longest context a ready node serves the base with (at least 1).</param>
public sealed record ModelChoice(string BaseModel, int ContextLength)
{
    /// <summary>The adapter a <c>base:adapter</c> name asks for; null for the base alone and for <c>base:auto</c>.</summary>
    public string? Adapter { get; init; }

    /// <summary>True for <c>base:auto</c>: the node picks the experts nearest to the prompt.</summary>
    public bool RoutesToExperts { get; init; }

    /// <summary>The base's experts on the herd's ready nodes, for <c>base:auto</c>; a role's <c>allow_experts</c> narrows them.</summary>
    public IReadOnlyList<string> Experts { get; init; } = [];

    /// <summary>True when no adapter is involved.</summary>
    public bool IsBaseAlone => Adapter is null && !RoutesToExperts;
}
