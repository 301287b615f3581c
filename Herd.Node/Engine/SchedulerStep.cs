namespace Herd.Node.Engine;

/// <summary>What one engine iteration runs: one decode token for each sequence in slots 0..n-1, and prompt chunks.</summary>
public sealed record SchedulerStep(IReadOnlyList<Sequence> Decode, IReadOnlyList<PrefillChunk> Prefill)
{
    public bool IsEmpty => Decode.Count == 0 && Prefill.Count == 0;
}
