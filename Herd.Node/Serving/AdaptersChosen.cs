using Herd.Node.Engine;

namespace Herd.Node.Serving;

/// <summary>
/// The first event of a request that runs with adapters: which ones, with their blend weights,
/// and for a routed request the experts they were chosen as and their distances to the prompt.
/// </summary>
public sealed record AdaptersChosen(IReadOnlyList<ChosenAdapter> Adapters) : GenerationEvent;

/// <param name="Expert">The expert it was chosen as; null when the request named the adapter.</param>
/// <param name="Distance">The prompt's distance to the expert's centroid; null when the request named the adapter.</param>
public sealed record ChosenAdapter(string Adapter, double Weight, string? Expert = null, double? Distance = null);
