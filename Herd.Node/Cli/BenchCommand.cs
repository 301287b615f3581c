using System.CommandLine;
using System.Globalization;
using Herd.Node.Cli.Bench;
using Herd.Node.Kernels;
using Herd.Node.Serving;

namespace Herd.Node.Cli;

/// <summary>
/// <c>bench</c>: measures the engine side by side in one run: the machine's matrix-vector
/// bandwidth and the decode limit it implies, prefill and decode speeds, time to first token,
/// memory. Prints a Markdown table on standard output.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var tokens = new Option<int>("--tokens") { Description = "tokens each decode request generates", DefaultValueFactory = _ => 128 };
        var prompt = new Option<int>("--prompt-tokens") { Description = "length of the long prompt for prefill and time to first token", DefaultValueFactory = _ => 512 };
        var batches = new Option<int[]>("--batches") { Description = "concurrent sequences to measure aggregate decode at", DefaultValueFactory = _ => [4, 16, 32], AllowMultipleArgumentsPerToken = true };
        var soak = new Option<int>("--soak") { Description = "also run this many short requests and report resident memory along the way" };
        var chunk = new Option<int>("--max-batched-tokens") { Description = "tokens per engine iteration (prompt chunk size)", DefaultValueFactory = _ => 512 };
        var model = new ModelArguments(defaultMaxSequences: 32);
        var command = new Command("bench", "Benchmark the engine on a local model.") { tokens, prompt, batches, soak, chunk };
        model.AddTo(command);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            using var loggers = CliLogging.Create();
            await using var served = model.Load(parsed, loggers, parsed.GetValue(chunk));
            var report = new BenchReport(Console.Out);
            var benchmark = new EngineBenchmark(served);
            var generated = parsed.GetValue(tokens);
            var promptTokens = parsed.GetValue(prompt);

            report.Row("model", string.Create(CultureInfo.InvariantCulture,
                $"{served.Name}: {served.ParameterCount / 1e6:F1}M parameters, {served.WeightBytes / 1e6:F0} MB, on {served.Device}"));
            await benchmark.RunAsync(16, 16, seed: 0, cancellationToken);

            report.Row("matrix products", NativeKernels.IsAvailable
                ? $"Herd's native kernels (packed weights, {(NativeKernels.Instructions == KernelInstructions.Avx512 ? "AVX-512" : "AVX2")})"
                : $"libtorch ({NativeKernels.UnavailableReason})");

            // The bandwidth probes and batch-1 decode alternate, three rounds, so that whatever else
            // the machine is doing weighs on both sides of each ratio; the median round is shown.
            // With the decode kernel, each round also decodes layer by layer on libtorch.
            var rounds = new List<(double LibTorch, double? Native, RequestTiming Decode)>();
            var layerByLayer = new List<double>();
            for (var round = 0; round < 3; round++)
            {
                var libTorch = BandwidthProbe.LibTorchBytesPerSecond();
                var kernels = BandwidthProbe.NativeKernelBytesPerSecond();
                rounds.Add((libTorch, kernels, await benchmark.RunAsync(16, generated, seed: 1, cancellationToken)));
                if (served.HasDecodeKernel)
                {
                    layerByLayer.Add(await WithoutDecodeKernelAsync(served, async () => (await benchmark.RunAsync(16, generated, seed: 1, cancellationToken)).DecodeTokensPerSecond));
                }
            }

            // The limit is libtorch's bandwidth over the bytes each token reads.
            var ranked = rounds
                .Select(r => (r.LibTorch, r.Native, r.Decode, Ratio: r.Decode.DecodeTokensPerSecond * served.WeightBytes / r.LibTorch))
                .OrderBy(r => r.Ratio)
                .ToList();
            var (bandwidth, nativeBandwidth, single, ratio) = ranked[1];
            report.Row("matrix-vector bandwidth (libtorch, 8192x8192 float32)", $"{bandwidth / 1e9:F1} GB/s");
            report.Row("batch-1 decode limit (libtorch bandwidth / weight bytes per token)", $"{bandwidth / served.WeightBytes:F1} tokens/s");
            report.Row("decode, batch 1", string.Create(CultureInfo.InvariantCulture,
                $"{single.DecodeTokensPerSecond:F1} tokens/s ({ratio:P0} of the limit; rounds {ranked[0].Ratio:P0} to {ranked[2].Ratio:P0})"));
            if (layerByLayer.Count > 0)
            {
                report.Row("decode, batch 1, layer by layer on libtorch (no decode kernel; median of 3)", LayerByLayer(layerByLayer, single.DecodeTokensPerSecond));
            }
            if (nativeBandwidth is { } kernelBandwidth)
            {
                report.Row("matrix-vector bandwidth (native kernels, same matrix)", string.Create(CultureInfo.InvariantCulture,
                    $"{kernelBandwidth / 1e9:F1} GB/s ({kernelBandwidth / bandwidth:F1}x libtorch)"));
                report.Row("decode, batch 1, against the native kernels' bandwidth", string.Create(CultureInfo.InvariantCulture,
                    $"{single.DecodeTokensPerSecond * served.WeightBytes / kernelBandwidth:P0} of {kernelBandwidth / served.WeightBytes:F1} tokens/s"));
            }

            foreach (var concurrency in parsed.GetRequiredValue(batches))
            {
                var runs = new List<double>();
                var layerByLayerRuns = new List<double>();
                for (var round = 0; round < 3; round++)
                {
                    runs.Add(await benchmark.DecodeTokensPerSecondAsync(concurrency, generated));
                    if (served.HasDecodeKernel)
                    {
                        layerByLayerRuns.Add(await WithoutDecodeKernelAsync(served, () => benchmark.DecodeTokensPerSecondAsync(concurrency, generated)));
                    }
                }

                var aggregate = runs.Order().ElementAt(1);
                report.Row($"decode, {concurrency} concurrent (aggregate, median of 3)", $"{aggregate:F1} tokens/s ({aggregate / single.DecodeTokensPerSecond:F1}x batch 1)");
                if (layerByLayerRuns.Count > 0)
                {
                    report.Row($"decode, {concurrency} concurrent, layer by layer on libtorch", LayerByLayer(layerByLayerRuns, aggregate));
                }
            }

            var longPrompt = await benchmark.RunAsync(promptTokens, 2, seed: 2, cancellationToken);
            report.Row($"prefill, {promptTokens}-token prompt alone", $"{promptTokens / longPrompt.TimeToFirstToken.TotalSeconds:F0} tokens/s");
            report.Row($"time to first token, {promptTokens}-token prompt alone", $"{longPrompt.TimeToFirstToken.TotalMilliseconds:F0} ms");
            var underLoad = await benchmark.TimeToFirstTokenUnderLoadAsync(promptTokens, decoding: 8);
            report.Row($"time to first token, {promptTokens}-token prompt while 8 sequences decode", $"{underLoad.TotalMilliseconds:F0} ms");
            report.Row("KV cache (preallocated)", $"{served.Engine.KvCacheBytes / 1e6:F0} MB");
            report.Row("peak resident memory", $"{ProcessMemory.PeakResidentBytes / 1e6:F0} MB");

            var soakRequests = parsed.GetValue(soak);
            if (soakRequests > 0)
            {
                await SoakAsync(benchmark, soakRequests, report);
            }

            return 0;
        });
        return command;
    }

    private static async Task<double> WithoutDecodeKernelAsync(ServedModel served, Func<Task<double>> measure)
    {
        served.UseDecodeKernel = false;
        try
        {
            return await measure();
        }
        finally
        {
            served.UseDecodeKernel = true;
        }
    }

    private static string LayerByLayer(List<double> runs, double withKernel)
    {
        var median = runs.Order().ElementAt(runs.Count / 2);
        return string.Create(CultureInfo.InvariantCulture, $"{median:F1} tokens/s (the decode kernel: {withKernel / median:F2}x)");
    }

    /// <summary>Many short requests in waves; resident memory should level off, not climb.</summary>
    private static async Task SoakAsync(EngineBenchmark benchmark, int requests, BenchReport report)
    {
        const int wave = 16;
        var checkpoints = new[] { requests / 10, requests / 2, requests };
        for (var done = 0; done < requests;)
        {
            var size = Math.Min(wave, requests - done);
            await Task.WhenAll(Enumerable.Range(done, size).Select(seed => benchmark.RunAsync(24, 8, seed)));
            var before = done;
            done += size;
            if (checkpoints.Any(checkpoint => before < checkpoint && done >= checkpoint))
            {
                report.Row($"resident memory after {done} requests", $"{ProcessMemory.ResidentBytes / 1e6:F0} MB");
            }
        }
    }
}
