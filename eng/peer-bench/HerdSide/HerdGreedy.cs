using Herd.Node.Engine;

namespace Herd.PeerBench.HerdSide;

/// <summary>Greedy decoding in Herd's engine from token ids, for comparing its tokens with llama.cpp's.</summary>
public static class HerdGreedy
{
    /// <returns>the <paramref name="steps"/> tokens after the prompt, end-of-sequence ignored</returns>
    /// <exception cref="InvalidOperationException">The engine failed the request.</exception>
    public static async Task<IReadOnlyList<int>> GenerateAsync(EngineLoop engine, IReadOnlyList<int> prompt, int steps, CancellationToken cancellationToken = default) =>
        [.. (await GenerateSampledAsync(engine, prompt, steps, topLogprobs: 0, cancellationToken)).Select(token => token.TokenId)];

    /// <summary>The same tokens with their log-probabilities and the <paramref name="topLogprobs"/> most likely at each step.</summary>
    /// <exception cref="InvalidOperationException">The engine failed the request.</exception>
    public static async Task<IReadOnlyList<SampledToken>> GenerateSampledAsync(EngineLoop engine, IReadOnlyList<int> prompt, int steps, int topLogprobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var sampling = new SamplingParameters
        {
            Temperature = 0,
            MaxTokens = steps,
            IgnoreEndOfSequence = true,
            Logprobs = topLogprobs > 0,
            TopLogprobs = topLogprobs,
        };
        var tokens = new List<SampledToken>();
        await foreach (var generationEvent in engine.GenerateAsync(new GenerationRequest("greedy-cross-check", prompt, sampling), cancellationToken))
        {
            switch (generationEvent)
            {
                case GeneratedText text:
                    tokens.AddRange(text.Logprobs.Count == text.TokenIds.Count ? text.Logprobs : text.TokenIds.Select(id => new SampledToken(id)));
                    break;
                case GenerationFailed failed:
                    throw new InvalidOperationException($"Herd's engine failed the greedy request: {failed.Message}");
            }
        }

        return tokens;
    }
}
