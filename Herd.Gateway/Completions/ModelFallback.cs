using System.ComponentModel.DataAnnotations;

namespace Herd.Gateway.Completions;

/// <summary>Where a model's jobs go when no node takes them in time: one entry of <c>Herd:Gateway:Fallbacks</c>.</summary>
public sealed record ModelFallback
{
    /// <summary>The model that takes the job instead, typically one a provider node serves.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Model { get; init; } = "";

    /// <summary>How long the job waits for a node of its own model before it moves.</summary>
    public TimeSpan After { get; init; }
}
