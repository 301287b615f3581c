using System.Diagnostics;
using Herd.Node.Engine;

namespace Herd.Node.Serving;

/// <summary>
/// Embeddings in benchmark mode (<see cref="EngineOptions.SyntheticTokensPerSecond"/>): the model
/// does not run, and each text gets a made-up unit vector of the model's hidden size at once (the
/// benchmark engine spends its time on generated tokens only). The vector is drawn from a
/// generator seeded by the text's token ids, so the same text always gets the same vector and
/// different texts almost surely different ones; it means nothing.
/// </summary>
public static class SyntheticEmbeddings
{
    public static EmbeddingResult Compute(EmbeddingRequest request, int dimensions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        var started = Stopwatch.GetTimestamp();
        if (cancellationToken.IsCancellationRequested)
        {
            return new EmbeddingResult(Engine.FinishReason.Cancelled, [], request.TotalTokens, Stopwatch.GetElapsedTime(started));
        }

        var vectors = request.Texts.Select(text => Vector(text, dimensions)).ToArray();
        return new EmbeddingResult(Engine.FinishReason.Stop, vectors, request.TotalTokens, Stopwatch.GetElapsedTime(started));
    }

    private static float[] Vector(IReadOnlyList<int> tokens, int dimensions)
    {
        // FNV-1a over the token ids seeds a SplitMix64 stream: the same on every machine and run.
        var state = 14695981039346656037UL;
        foreach (var token in tokens)
        {
            state = (state ^ (uint)token) * 1099511628211UL;
        }

        var vector = new float[dimensions];
        var squares = 0.0;
        for (var i = 0; i < dimensions; i++)
        {
            // Uniform in [-1, 1) from the top 24 bits.
            vector[i] = (float)((SplitMix64(ref state) >> 40) / (double)(1 << 23) - 1);
            squares += (double)vector[i] * vector[i];
        }

        var norm = (float)Math.Sqrt(squares);
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] = norm > 0 ? vector[i] / norm : (i == 0 ? 1 : 0);
        }

        return vector;
    }

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
