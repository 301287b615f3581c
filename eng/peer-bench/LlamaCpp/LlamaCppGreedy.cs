using LLama.Native;

namespace Herd.PeerBench.LlamaCpp;

/// <summary>Greedy decoding in llama.cpp, one sequence, for comparing its tokens with Herd's.</summary>
public static class LlamaCppGreedy
{
    /// <param name="logits">where given, gets a copy of every step's logits, in order</param>
    /// <returns>the <paramref name="steps"/> tokens after the prompt, each the arg-max of the logits</returns>
    public static IReadOnlyList<int> Generate(LlamaCppModel model, IReadOnlyList<int> prompt, int steps, IList<float[]>? logits = null) =>
        Run(model, prompt, steps, forced: null, logits);

    /// <summary>
    /// Feeds <paramref name="continuation"/> after the prompt whatever llama.cpp would pick, so its
    /// choice at every step is made in the same context as another engine's was, and one near tie
    /// decided the other way does not change every step after it.
    /// </summary>
    /// <returns>llama.cpp's greedy choice at each step of the continuation</returns>
    public static IReadOnlyList<int> Follow(LlamaCppModel model, IReadOnlyList<int> prompt, IReadOnlyList<int> continuation, IList<float[]>? logits = null)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return Run(model, prompt, continuation.Count, continuation, logits);
    }

    private static List<int> Run(LlamaCppModel model, IReadOnlyList<int> prompt, int steps, IReadOnlyList<int>? forced, IList<float[]>? logits)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompt);
        model.ClearCache();
        var batch = new LLamaBatch();
        var sequence = (LLamaSeqId)0;
        for (var i = 0; i < prompt.Count; i++)
        {
            batch.Add(prompt[i], i, sequence, logits: i == prompt.Count - 1);
        }

        model.Decode(batch);
        logits?.Add(model.Logits(batch.TokenCount - 1));
        var chosen = new List<int> { model.Argmax(batch.TokenCount - 1) };
        while (chosen.Count < steps)
        {
            var previous = forced?[chosen.Count - 1] ?? chosen[^1];
            batch.Clear();
            batch.Add(previous, prompt.Count + chosen.Count - 1, sequence, logits: true);
            model.Decode(batch);
            logits?.Add(model.Logits(0));
            chosen.Add(model.Argmax(0));
        }

        model.ClearCache();
        return chosen;
    }
}
