using System.Diagnostics;
using Herd.Node.Engine;
using Herd.Node.Serving;

namespace Herd.Node.Cli.Bench;

/// <summary>
/// The engine measured the way people use it: requests of token ids submitted to the running
/// engine (no tokenizing, so only the engine is timed), end-of-sequence ignored so every request
/// generates exactly the tokens asked for.
/// </summary>
internal sealed class EngineBenchmark(ServedModel model)
{
    private readonly EngineLoop _engine = model.Engine;

    public async Task<RequestTiming> RunAsync(int promptLength, int maxTokens, int seed, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var firstToken = TimeSpan.Zero;
        var tokens = 0;
        var sampling = new SamplingParameters { Temperature = 0, MaxTokens = maxTokens, IgnoreEndOfSequence = true };
        await foreach (var generationEvent in _engine.GenerateAsync(new GenerationRequest($"bench-{seed}", Prompt(promptLength, seed), sampling), cancellationToken))
        {
            if (generationEvent is GeneratedText { TokenIds.Count: > 0 } && tokens++ == 0)
            {
                firstToken = Stopwatch.GetElapsedTime(started);
            }
        }

        return new RequestTiming(tokens, firstToken, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Tokens per second of <paramref name="concurrency"/> sequences decoding together.</summary>
    public async Task<double> DecodeTokensPerSecondAsync(int concurrency, int tokens)
    {
        var started = Stopwatch.GetTimestamp();
        var timings = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(seed => RunAsync(16, tokens, seed)));
        return timings.Sum(timing => timing.Tokens) / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>Time to first token of a long prompt that arrives while other sequences are decoding.</summary>
    public async Task<TimeSpan> TimeToFirstTokenUnderLoadAsync(int promptLength, int decoding)
    {
        using var stop = new CancellationTokenSource();
        var background = Enumerable.Range(0, decoding)
            .Select(seed => RunAsync(16, _engine.ContextLength - 16, 100 + seed, stop.Token))
            .ToArray();
        // Let the background sequences get past their prompts and into decoding.
        await RunAsync(16, 8, seed: 99);
        var timing = await RunAsync(promptLength, 2, seed: 98);
        await stop.CancelAsync();
        await Task.WhenAll(background);
        return timing.TimeToFirstToken;
    }

    private int[] Prompt(int length, int seed) => BenchPrompts.Ids(model.Config.VocabSize, length, seed);
}
