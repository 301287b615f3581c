namespace Herd.Node.Engine;

/// <summary>What one engine iteration runs: one decode token for each sequence in slots 0..n-1, prompt chunks, and texts to embed in one pass.</summary>
public sealed record SchedulerStep(IReadOnlyList<Sequence> Decode, IReadOnlyList<PrefillChunk> Prefill, IReadOnlyList<EmbeddingText> Embed)
{
    public bool IsEmpty => Decode.Count == 0 && Prefill.Count == 0 && Embed.Count == 0;
}
