using System.CommandLine;
using System.Globalization;
using Herd.Node.Cli;
using Herd.Node.Cli.Bench;
using Herd.Node.Models;
using Herd.Node.Serving;
using Herd.PeerBench.CrossCheck;
using Herd.PeerBench.Gguf;
using Herd.PeerBench.HerdSide;
using Herd.PeerBench.LlamaCpp;
using Herd.PeerBench.Report;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace Herd.PeerBench;

/// <summary>One run of the benchmark, from conversion to the last table.</summary>
internal sealed partial class PeerBenchRun(ParseResult parsed, ModelArguments model, CancellationToken cancellationToken)
{
    private readonly PeerReport _report = new(Console.Out);

    public required GgufWeightFormat Format { get; init; }

    public required int Rounds { get; init; }

    public required int Tokens { get; init; }

    public required int PromptTokens { get; init; }

    public required int Concurrency { get; init; }

    public required int CrossCheckTokens { get; init; }

    public required GGMLType KvCacheType { get; init; }

    public required LLamaFlashAttentionType FlashAttention { get; init; }

    public async Task<int> RunAsync()
    {
        using var loggers = CliLogging.Create();
        var logger = loggers.CreateLogger<PeerBenchRun>();
        var folder = new ModelLocator(ModelLocator.DefaultCacheFolder, loggers.CreateLogger<ModelLocator>()).Locate(parsed.GetRequiredValue(model.ModelOption));
        // The cross-check compares the two engines on the same float32 weights, so it runs with f32 only.
        var crossCheckTokens = Format == GgufWeightFormat.F32 ? CrossCheckTokens : 0;
        var benchPath = GgufCache.Ensure(folder, Format, logger);

        // Herd's memory is measured before llama.cpp is in the process: the peak is reset
        // after the conversion and read after Herd's load and one pass of every measure.
        GC.Collect();
        var baseline = ProcessMemory.ResidentBytes;
        var peakReset = PeakResidentSet.TryReset();
        var herdFormat = HerdWeightFormat.For(Format);
        await using var herd = LoadHerd(loggers, herdFormat);
        var herdBench = new EngineBenchmark(herd);
        await WarmUpHerdAsync(herdBench);
        var herdPeak = ProcessMemory.PeakResidentBytes;
        var herdResident = ProcessMemory.ResidentBytes;

        var llamaOptions = new LlamaCppOptions(herd.Device.Threads, Concurrency, herd.Engine.ContextLength, KvCacheType, FlashAttention: FlashAttention);
        IReadOnlyList<GreedyComparison> crossCheck = [];
        if (crossCheckTokens > 0)
        {
            // Without its fused attention, which rounds through half precision, llama.cpp computes
            // what Herd computes in float32, and the two may only differ by rounding.
            using var f32 = LlamaCppModel.Load(benchPath, llamaOptions with { Sequences = 1, FlashAttention = LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_DISABLED });
            crossCheck = await GreedyCrossCheck.RunAsync(herd, f32, crossCheckTokens, cancellationToken);
        }

        var beforeLlama = ProcessMemory.ResidentBytes;
        using var llama = LlamaCppModel.Load(benchPath, llamaOptions);
        var llamaBench = new LlamaCppBenchmark(llama);
        WarmUpLlama(llamaBench, herd.Config.VocabSize);
        var llamaAdded = ProcessMemory.ResidentBytes - beforeLlama;

        ReportSettings(herd, herdFormat, baseline, (herdPeak, herdResident), peakReset);
        _report.Setting("llama.cpp: model bytes; resident set its load and warm-up added", string.Create(CultureInfo.InvariantCulture,
            $"{llama.ModelBytes / 1e6:F0} MB; {llamaAdded / 1e6:F0} MB (its file is memory-mapped)"));
        if (crossCheck.Count > 0)
        {
            _report.CrossCheck(crossCheck, crossCheckTokens);
        }

        var measures = await MeasureAsync(herdBench, llamaBench, herd.Config.VocabSize, logger);
        _report.Measures(measures, Rounds);
        return 0;
    }

    /// <summary>Loads Herd's side as <c>bench</c> loads it, with its weights in <paramref name="weightFormat"/>.</summary>
    private ServedModel LoadHerd(ILoggerFactory loggers, string weightFormat) =>
        model.Load(parsed, loggers, maxBatchedTokens: 512, weights: weightFormat);

    /// <param name="herdMemory">the process's peak resident set since the reset, and its resident set, after Herd's load and warm-up</param>
    private void ReportSettings(ServedModel herd, string herdFormat, long baseline, (long Peak, long Resident) herdMemory, bool peakReset)
    {
        _report.Setting("model", string.Create(CultureInfo.InvariantCulture, $"{herd.Name}: {herd.ParameterCount / 1e6:F1}M parameters"));
        _report.Setting("weights", $"Herd {herdFormat}; llama.cpp {Format.Name} (GGUF)");
        _report.Setting("threads", $"{herd.Device.Threads}, both engines");
        _report.Setting("matrix products (Herd)", Herd.Node.Kernels.NativeKernels.IsAvailable
            ? $"Herd's native kernels ({Herd.Node.Kernels.NativeKernels.Instructions})"
            : $"libtorch ({Herd.Node.Kernels.NativeKernels.UnavailableReason})");
        _report.Setting("llama.cpp build", LlamaCppRuntime.Describe());
        _report.Setting("KV cache", string.Create(CultureInfo.InvariantCulture,
            $"{Concurrency} sequences of {herd.Engine.ContextLength} tokens each; Herd float32, llama.cpp {(KvCacheType == GGMLType.GGML_TYPE_F16 ? "f16" : "f32")}"));
        _report.Setting("llama.cpp flash attention", FlashAttention switch
        {
            LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_ENABLED => "on",
            LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_DISABLED => "off",
            _ => "auto (llama.cpp's default)",
        });
        _report.Setting("Herd: weights + KV cache", string.Create(CultureInfo.InvariantCulture,
            $"{herd.WeightBytes / 1e6:F0} MB + {herd.Engine.KvCacheBytes / 1e6:F0} MB = {(herd.WeightBytes + herd.Engine.KvCacheBytes) / 1e6:F0} MB"));
        var herdPeak = herdMemory.Peak;
        _report.Setting("Herd: peak resident set (before llama.cpp loads)", peakReset
            ? string.Create(CultureInfo.InvariantCulture, $"{herdPeak / 1e6:F0} MB, of which {(herdPeak - baseline) / 1e6:F0} MB since Herd began to load")
            : string.Create(CultureInfo.InvariantCulture, $"{herdPeak / 1e6:F0} MB (the whole process, conversion included: the peak could not be reset)"));
        _report.Setting("Herd: resident set after its load and warm-up (before llama.cpp loads)", string.Create(CultureInfo.InvariantCulture,
            $"{herdMemory.Resident / 1e6:F0} MB: {(double)herdMemory.Resident / (herd.WeightBytes + herd.Engine.KvCacheBytes):F2}x weights + KV cache"));
    }

    private async Task WarmUpHerdAsync(EngineBenchmark herd)
    {
        await herd.RunAsync(16, 16, seed: 1, cancellationToken);
        await herd.DecodeTokensPerSecondAsync(Concurrency, 8);
        await herd.RunAsync(PromptTokens, 2, seed: 2, cancellationToken);
    }

    private void WarmUpLlama(LlamaCppBenchmark llama, int vocabulary)
    {
        llama.DecodeTokensPerSecond(BenchPrompts.Ids(vocabulary, 16, 1), 16);
        llama.AggregateDecodeTokensPerSecond(ConcurrentPrompts(vocabulary), 8);
        llama.PrefillTokensPerSecond(BenchPrompts.Ids(vocabulary, PromptTokens, 2));
    }

    private async Task<IReadOnlyList<PeerMeasure>> MeasureAsync(EngineBenchmark herd, LlamaCppBenchmark llama, int vocabulary, ILogger logger)
    {
        var single = new PeerMeasure("decode, batch 1 (16-token prompt, " + Tokens + " tokens)", "tokens/s");
        var aggregate = new PeerMeasure($"decode, {Concurrency} concurrent (aggregate)", "tokens/s");
        var prefill = new PeerMeasure($"prefill, {PromptTokens}-token prompt", "tokens/s");
        for (var round = 1; round <= Rounds; round++)
        {
            // The same prompts EngineBenchmark sends: 16 ids of seed 1, seeds 0 to n - 1, seed 2.
            single.Herd.Add((await herd.RunAsync(16, Tokens, seed: 1, cancellationToken)).DecodeTokensPerSecond);
            single.LlamaCpp.Add(llama.DecodeTokensPerSecond(BenchPrompts.Ids(vocabulary, 16, 1), Tokens));
            aggregate.Herd.Add(await herd.DecodeTokensPerSecondAsync(Concurrency, Tokens));
            aggregate.LlamaCpp.Add(llama.AggregateDecodeTokensPerSecond(ConcurrentPrompts(vocabulary), Tokens));
            prefill.Herd.Add(PromptTokens / (await herd.RunAsync(PromptTokens, 2, seed: 2, cancellationToken)).TimeToFirstToken.TotalSeconds);
            prefill.LlamaCpp.Add(llama.PrefillTokensPerSecond(BenchPrompts.Ids(vocabulary, PromptTokens, 2)));
            LogRound(logger, round, Rounds, single.Herd[^1], single.LlamaCpp[^1], aggregate.Herd[^1], aggregate.LlamaCpp[^1], prefill.Herd[^1], prefill.LlamaCpp[^1]);
        }

        return [single, aggregate, prefill];
    }

    private IReadOnlyList<IReadOnlyList<int>> ConcurrentPrompts(int vocabulary) =>
        [.. Enumerable.Range(0, Concurrency).Select(seed => (IReadOnlyList<int>)BenchPrompts.Ids(vocabulary, 16, seed))];

    [LoggerMessage(Level = LogLevel.Information, Message = "Round {Round} of {Rounds} (tokens/s, Herd / llama.cpp): batch 1 {HerdSingle:F1} / {LlamaSingle:F1}; aggregate {HerdAggregate:F1} / {LlamaAggregate:F1}; prefill {HerdPrefill:F0} / {LlamaPrefill:F0}")]
    private static partial void LogRound(ILogger logger, int round, int rounds, double herdSingle, double llamaSingle, double herdAggregate, double llamaAggregate, double herdPrefill, double llamaPrefill);
}
