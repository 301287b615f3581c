namespace Herd.Gateway.Ledger;

/// <summary>
/// One expert of the herd's registry (<c>herd.v1.Experts</c>), as the ledger keeps it. A deleted
/// expert keeps its row, marked, so that the model's revision (the latest change of any of its
/// rows) still grows when an expert goes.
/// </summary>
public sealed class ExpertRecord
{
    public const int MaxModelLength = 200;
    public const int MaxNameLength = 64;
    public const int MaxAdapterLength = 200;
    public const int MaxEmbeddingLength = 16;

    public required string Model { get; init; }

    public required string Name { get; init; }

    public required string Adapter { get; set; }

    public required List<string> Samples { get; set; }

    /// <summary>A stored centroid; empty when the nodes compute it from the samples.</summary>
    public required float[] Centroid { get; set; }

    /// <summary>The embedding the centroid was made with (<c>tokens</c> or <c>hidden</c>); empty without one.</summary>
    public required string CentroidEmbedding { get; set; }

    /// <summary>When it last changed; its ticks order the model's revisions.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The key that changed it last.</summary>
    public string? UpdatedBy { get; set; }

    /// <summary>When it was deleted; null while it is registered.</summary>
    public DateTimeOffset? DeletedAt { get; set; }
}
