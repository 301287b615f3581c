using System.Diagnostics;
using System.Runtime.CompilerServices;
using Herd.Node.Engine;
using Herd.Node.Tokenization;

namespace Herd.Node.Serving;

/// <summary>
/// The benchmark engine (<see cref="EngineOptions.SyntheticTokensPerSecond"/>): tokens on a fixed
/// schedule instead of from the model, so a measurement of the gateway sees only the gateway.
/// </summary>
public static class SyntheticGeneration
{
    public const int DefaultMaxTokens = 16;

    public static async IAsyncEnumerable<GenerationEvent> RunAsync(
        IReadOnlyList<int> prompt,
        SamplingParameters sampling,
        double tokensPerSecond,
        ModelTokenizer tokenizer,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(sampling);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokensPerSecond);
        var started = Stopwatch.GetTimestamp();
        var maxTokens = sampling.MaxTokens ?? DefaultMaxTokens;
        var firstToken = TimeSpan.Zero;
        var produced = 0;
        var cancelled = false;
        while (produced < maxTokens)
        {
            // On an absolute schedule, so a late wake-up does not slow the rate that follows.
            var due = TimeSpan.FromSeconds((produced + 1) / tokensPerSecond) - Stopwatch.GetElapsedTime(started);
            try
            {
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
                break;
            }

            var tokenId = (prompt.Count + produced) % tokenizer.VocabSize;
            produced++;
            if (produced == 1)
            {
                firstToken = Stopwatch.GetElapsedTime(started);
            }

            yield return new GeneratedText(tokenizer.TokenText(tokenId), [tokenId], []);
        }

        yield return new GenerationFinished(cancelled ? Engine.FinishReason.Cancelled : Engine.FinishReason.Length, prompt.Count, produced, firstToken, Stopwatch.GetElapsedTime(started));
    }
}
