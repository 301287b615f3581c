using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Herd.Node.Engine;
using Herd.Node.Serving;

namespace Herd.Node.Cli;

/// <summary>
/// <c>stream-bench</c>: the node's serving path driven directly, in this process, with no
/// gateway: concurrent requests through <see cref="ServedModel.GenerateAsync"/>, by default on
/// the benchmark engine. The gateway benchmark (<c>herd bench-gateway</c>) runs it beside
/// the same load through a gateway. Prints one line: <c>tokens_per_second=… ttft_median_ms=… ttft_ms=…,…</c> (every request's time to first token).
/// </summary>
internal static class StreamBenchCommand
{
    public static Command Create()
    {
        var concurrency = new Option<int>("--concurrency") { Description = "requests at once", DefaultValueFactory = _ => 1 };
        var tokens = new Option<int>("--tokens") { Description = "tokens each request generates", DefaultValueFactory = _ => 100 };
        var rate = new Option<double>("--synthetic-rate") { Description = "tokens/s of each sequence on the benchmark engine (0: run the model)", DefaultValueFactory = _ => 50 };
        var model = new ModelArguments(defaultMaxSequences: 64);
        var command = new Command("stream-bench", "Measure streamed tokens/s and time to first token with no gateway.") { concurrency, tokens, rate };
        model.AddTo(command);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            using var loggers = CliLogging.Create();
            await using var served = model.Load(parsed, loggers, syntheticTokensPerSecond: parsed.GetValue(rate));
            var sampling = served.DefaultSampling with { Temperature = 0, MaxTokens = parsed.GetValue(tokens), IgnoreEndOfSequence = true };
            // The first request pays for compiling the path; it is not measured.
            await RunAsync(served, "warm-up", sampling with { MaxTokens = 2 }, cancellationToken);
            var started = Stopwatch.GetTimestamp();
            var runs = await Task.WhenAll(Enumerable.Range(0, parsed.GetValue(concurrency)).Select(i => RunAsync(served, $"bench-{i}", sampling, cancellationToken)));
            var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var ttfts = runs.Select(run => run.FirstToken.TotalMilliseconds).Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"tokens_per_second={runs.Sum(run => run.Tokens) / elapsed:F1} ttft_median_ms={ttfts[ttfts.Count / 2]:F2} ttft_ms={string.Join(',', ttfts.Select(ttft => ttft.ToString("F3", CultureInfo.InvariantCulture)))}"));
            return 0;
        });
        return command;
    }

    private static async Task<(int Tokens, TimeSpan FirstToken)> RunAsync(ServedModel served, string id, SamplingParameters sampling, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var firstToken = TimeSpan.Zero;
        var tokens = 0;
        await foreach (var generationEvent in served.GenerateAsync(id, PromptInput.FromText("The herd streams tokens"), sampling, cancellationToken: cancellationToken))
        {
            if (generationEvent is GeneratedText text && text.TokenIds.Count > 0)
            {
                if (tokens == 0)
                {
                    firstToken = Stopwatch.GetElapsedTime(started);
                }

                tokens += text.TokenIds.Count;
            }
        }

        return (tokens, firstToken);
    }
}
