using Herd.Node.Serving;
using Herd.PeerBench.HerdSide;
using Herd.PeerBench.LlamaCpp;

namespace Herd.PeerBench.CrossCheck;

/// <summary>
/// Runs the same prompts through both engines greedily and compares the tokens: on the F32 GGUF,
/// which holds exactly Herd's float32 weights, with llama.cpp attending in float32 (see
/// <see cref="LlamaCppOptions.FlashAttention"/>), the two must agree, and any difference that is
/// not a near tie points at the conversion (the rotary row order, the rope factors, the
/// tokenizer) or at an engine.
/// </summary>
public static class GreedyCrossCheck
{
    /// <summary>Texts tokenized by each engine (which also checks the GGUF's tokenizer), then prompts of ids spread over the vocabulary.</summary>
    public static readonly string[] Texts = ["Hello, herd", "The quick brown fox jumps over the lazy dog. It was 1984, and 42 dogs barked!"];

    public static async Task<IReadOnlyList<GreedyComparison>> RunAsync(ServedModel herd, LlamaCppModel llamaCpp, int steps, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(herd);
        ArgumentNullException.ThrowIfNull(llamaCpp);
        var comparisons = new List<GreedyComparison>();
        foreach (var text in Texts)
        {
            var ids = herd.Tokenizer.Encode(text);
            var same = ids.SequenceEqual(llamaCpp.Tokenize(text));
            comparisons.Add(await CompareAsync($"\"{text}\"", ids, same));
        }

        foreach (var seed in new[] { 1, 2 })
        {
            var ids = Herd.Node.Cli.Bench.BenchPrompts.Ids(herd.Config.VocabSize, 16, seed);
            comparisons.Add(await CompareAsync($"16 ids, seed {seed}", ids, null));
        }

        return comparisons;

        async Task<GreedyComparison> CompareAsync(string name, IReadOnlyList<int> ids, bool? sameTokenization)
        {
            var herdTokens = await HerdGreedy.GenerateAsync(herd.Engine, ids, steps, cancellationToken);
            var logits = new List<float[]>();
            var llamaTokens = LlamaCppGreedy.Generate(llamaCpp, ids, steps, logits);
            return new GreedyComparison(name, ids, sameTokenization, herdTokens, llamaTokens, logits);
        }
    }
}
