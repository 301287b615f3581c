using System.Diagnostics;
using LLama.Native;

namespace Herd.PeerBench.LlamaCpp;

/// <summary>
/// llama.cpp measured as Herd's <c>EngineBenchmark</c> measures Herd: the same prompts of token
/// ids, greedy tokens fed back, every sequence generating exactly the tokens asked for, and the
/// same definition of each rate.
/// </summary>
public sealed class LlamaCppBenchmark(LlamaCppModel model)
{
    /// <summary>
    /// One sequence: the prompt in one batch, then one token per decode call. Tokens after the
    /// first over the time they took, as Herd's batch-1 figure.
    /// </summary>
    public double DecodeTokensPerSecond(IReadOnlyList<int> prompt, int tokens)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        model.ClearCache();
        var batch = new LLamaBatch();
        var sequence = (LLamaSeqId)0;
        AddPrompt(batch, prompt, sequence);
        model.Decode(batch);
        var next = model.Argmax(batch.TokenCount - 1);
        var started = Stopwatch.GetTimestamp();
        for (var generated = 1; generated < tokens; generated++)
        {
            batch.Clear();
            batch.Add(next, prompt.Count + generated - 1, sequence, logits: true);
            model.Decode(batch);
            next = model.Argmax(0);
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        model.ClearCache();
        return (tokens - 1) / seconds;
    }

    /// <summary>
    /// Several sequences in one batch each step (one sequence id each): every prompt in the first
    /// batch, then one token of every sequence per decode call. All generated tokens over the
    /// wall time, prompts included, as Herd's aggregate figure.
    /// </summary>
    public double AggregateDecodeTokensPerSecond(IReadOnlyList<IReadOnlyList<int>> prompts, int tokens)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        model.ClearCache();
        var batch = new LLamaBatch();
        var started = Stopwatch.GetTimestamp();
        var lastIndex = new int[prompts.Count];
        for (var s = 0; s < prompts.Count; s++)
        {
            AddPrompt(batch, prompts[s], (LLamaSeqId)s);
            lastIndex[s] = batch.TokenCount - 1;
        }

        model.Decode(batch);
        var next = lastIndex.Select(model.Argmax).ToArray();
        for (var generated = 1; generated < tokens; generated++)
        {
            batch.Clear();
            for (var s = 0; s < prompts.Count; s++)
            {
                batch.Add(next[s], prompts[s].Count + generated - 1, (LLamaSeqId)s, logits: true);
            }

            model.Decode(batch);
            for (var s = 0; s < prompts.Count; s++)
            {
                next[s] = model.Argmax(s);
            }
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        model.ClearCache();
        return prompts.Count * tokens / seconds;
    }

    /// <summary>A long prompt alone, in batches of the context's batch size: its tokens over the time to the first generated token.</summary>
    public double PrefillTokensPerSecond(IReadOnlyList<int> prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        model.ClearCache();
        var batch = new LLamaBatch();
        var sequence = (LLamaSeqId)0;
        var started = Stopwatch.GetTimestamp();
        for (var first = 0; first < prompt.Count; first += model.Options.BatchTokens)
        {
            batch.Clear();
            var count = Math.Min(model.Options.BatchTokens, prompt.Count - first);
            for (var i = first; i < first + count; i++)
            {
                batch.Add(prompt[i], i, sequence, logits: i == prompt.Count - 1);
            }

            model.Decode(batch);
        }

        _ = model.Argmax(batch.TokenCount - 1);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        model.ClearCache();
        return prompt.Count / seconds;
    }

    private static void AddPrompt(LLamaBatch batch, IReadOnlyList<int> prompt, LLamaSeqId sequence)
    {
        for (var i = 0; i < prompt.Count; i++)
        {
            batch.Add(prompt[i], i, sequence, logits: i == prompt.Count - 1);
        }
    }
}
