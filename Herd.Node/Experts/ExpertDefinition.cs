namespace Herd.Node.Experts;

/// <summary>One expert as the experts file defines it: an adapter, and samples of its kind of prompt or their centroid.</summary>
public sealed record ExpertDefinition
{
    public string Name { get; init; } = "";

    /// <summary>The adapter's name among the node's adapters (<c>Herd:Node:Adapters:Folder</c>).</summary>
    public string Adapter { get; init; } = "";

    public string? Description { get; init; }

    /// <summary>Instructions of the kind the expert serves; their mean embedding is its centroid.</summary>
    public List<string> Samples { get; init; } = [];

    /// <summary>A stored centroid (written by <c>Herd.Node centroids</c>); computed from the samples when absent.</summary>
    public List<float>? Centroid { get; init; }

    /// <summary>How the centroid was embedded (<see cref="RoutingEmbedding"/>); a centroid made another way than the node routes is computed again.</summary>
    public string? CentroidEmbedding { get; init; }
}
