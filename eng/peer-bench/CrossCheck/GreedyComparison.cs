namespace Herd.PeerBench.CrossCheck;

/// <summary>Herd's and llama.cpp's greedy tokens after the same prompt.</summary>
/// <param name="Prompt">what the prompt was, for the report</param>
/// <param name="SameTokenization">whether llama.cpp tokenized the prompt's text as Herd did; null for a prompt given as ids</param>
/// <param name="LlamaCppLogits">llama.cpp's logits at each step, to tell a near tie from a real difference</param>
public sealed record GreedyComparison(string Prompt, IReadOnlyList<int> PromptIds, bool? SameTokenization, IReadOnlyList<int> Herd, IReadOnlyList<int> LlamaCpp, IReadOnlyList<float[]> LlamaCppLogits)
{
    public bool Agrees => Herd.SequenceEqual(LlamaCpp);

    /// <summary>The index of the first token where they differ; -1 where they agree.</summary>
    public int FirstDifference => Agrees ? -1 : Enumerable.Range(0, Math.Min(Herd.Count, LlamaCpp.Count)).FirstOrDefault(i => Herd[i] != LlamaCpp[i], Math.Min(Herd.Count, LlamaCpp.Count));

    /// <summary>
    /// Where they differ, how far above Herd's token llama.cpp scored its own at that step: a
    /// few millionths is a tie the two engines' rounding broke differently (in the same context
    /// so far), more is a real difference. Null where they agree.
    /// </summary>
    public float? LogitGapAtFirstDifference =>
        FirstDifference is var step and >= 0 && step < LlamaCppLogits.Count && step < Herd.Count && step < LlamaCpp.Count
            ? LlamaCppLogits[step][LlamaCpp[step]] - LlamaCppLogits[step][Herd[step]]
            : null;
}
