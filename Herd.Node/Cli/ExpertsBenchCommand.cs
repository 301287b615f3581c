using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Herd.Node.Adapters;
using Herd.Node.Cli.Bench;
using Herd.Node.Engine;
using Herd.Node.Experts;
using Herd.Node.Model;
using Herd.Node.Model.Lora;
using Herd.Node.Models;
using Herd.Node.Serving;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Herd.Node.Cli;

/// <summary>
/// <c>bench-experts</c>: what adapters cost, side by side in one run. Concurrent sequences each
/// with one of several resident adapters against the same load on the base model alone, in
/// alternating rounds; and the time to first token of a routed request (<c>:auto</c>) against the
/// same request naming its adapter, alternating request by request. The adapters are random and
/// written to a temporary folder; the model's own weights are untouched.
/// </summary>
internal static class ExpertsBenchCommand
{
    public static Command Create()
    {
        var adapters = new Option<int>("--adapters") { Description = "resident adapters, one expert each", DefaultValueFactory = _ => 8 };
        var rank = new Option<int>("--rank") { Description = "the adapters' rank", DefaultValueFactory = _ => 16 };
        var targets = new Option<string>("--target-modules") { Description = "modules the adapters adapt (comma-separated, or all)", DefaultValueFactory = _ => "all" };
        var concurrency = new Option<int>("--concurrency") { Description = "sequences decoding together", DefaultValueFactory = _ => 16 };
        var tokens = new Option<int>("--tokens") { Description = "tokens each sequence generates", DefaultValueFactory = _ => 64 };
        var rounds = new Option<int>("--rounds") { Description = "alternating rounds of the throughput comparison", DefaultValueFactory = _ => 5 };
        var trials = new Option<int>("--ttft-trials") { Description = "requests of each kind in the time-to-first-token comparison", DefaultValueFactory = _ => 30 };
        var model = new ModelArguments(defaultMaxSequences: 16);
        var command = new Command("bench-experts", "Benchmark LoRA adapters and expert routing against the base model.") { adapters, rank, targets, concurrency, tokens, rounds, trials };
        model.AddTo(command);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            using var loggers = CliLogging.Create();
            var folder = Directory.CreateTempSubdirectory("herd-bench-experts-").FullName;
            try
            {
                var count = parsed.GetValue(adapters);
                var modules = FinetuneCommand.Modules(parsed.GetRequiredValue(targets));
                var config = ModelConfig.Load(new ModelLocator(ModelLocator.DefaultCacheFolder, loggers.CreateLogger<ModelLocator>()).Locate(parsed.GetRequiredValue(model.ModelOption)));
                var expertsFile = WriteExperts(folder, config, count, parsed.GetValue(rank), modules);
                await using var served = model.Load(parsed, loggers,
                    adapters: new AdapterOptions { Folder = Path.Combine(folder, "adapters"), MaxResident = count, Preload = true },
                    experts: new ExpertOptions { File = expertsFile });
                var report = new BenchReport(Console.Out);
                report.Row("model", string.Create(CultureInfo.InvariantCulture, $"{served.Name}: {served.ParameterCount / 1e6:F1}M parameters, on {served.Device}"));
                report.Row("adapters", string.Create(CultureInfo.InvariantCulture,
                    $"{count} resident, rank {parsed.GetValue(rank)}, on {string.Join(", ", modules.Select(module => module.Name()))}: {served.Adapters.ResidentBytes / 1e6:F1} MB in all"));
                await ThroughputAsync(served, report, count, parsed.GetValue(concurrency), parsed.GetValue(tokens), parsed.GetValue(rounds), cancellationToken);
                await TimeToFirstTokenAsync(served, report, parsed.GetValue(trials), cancellationToken);
                return 0;
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        });
        return command;
    }

    private static async Task ThroughputAsync(ServedModel served, BenchReport report, int adapters, int concurrency, int tokens, int rounds, CancellationToken cancellationToken)
    {
        var sampling = new SamplingParameters { Temperature = 0, MaxTokens = tokens, IgnoreEndOfSequence = true };
        async Task<double> RunAsync(bool withAdapters)
        {
            var started = Stopwatch.GetTimestamp();
            var counts = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i =>
                CountTokensAsync(served.GenerateAsync($"bench-{i}", PromptInput.FromText($"Sequence {i} of the herd"), sampling, withAdapters ? Named($"adapter-{i % adapters}") : null, cancellationToken))));
            return counts.Sum() / Stopwatch.GetElapsedTime(started).TotalSeconds;
        }

        // Warm both paths before measuring.
        await RunAsync(false);
        await RunAsync(true);
        var results = new List<(double Base, double Adapted)>();
        for (var round = 0; round < rounds; round++)
        {
            var baseRate = await RunAsync(false);
            var adaptedRate = await RunAsync(true);
            results.Add((baseRate, adaptedRate));
        }

        var ratios = results.Select(result => result.Adapted / result.Base).Order().ToList();
        var median = results.OrderBy(result => result.Adapted / result.Base).ElementAt(results.Count / 2);
        report.Row($"decode, {concurrency} concurrent, base model (aggregate)", $"{median.Base:F1} tokens/s");
        report.Row($"decode, {concurrency} concurrent, each with one of {adapters} adapters (aggregate)", string.Create(CultureInfo.InvariantCulture,
            $"{median.Adapted:F1} tokens/s (**{ratios[ratios.Count / 2]:P0} of the base**; rounds {ratios[0]:P0} to {ratios[^1]:P0})"));
    }

    private static async Task TimeToFirstTokenAsync(ServedModel served, BenchReport report, int trials, CancellationToken cancellationToken)
    {
        var sampling = new SamplingParameters { Temperature = 0, MaxTokens = 1, IgnoreEndOfSequence = true };
        var prompt = PromptInput.FromText("Write a short poem about the herd crossing the river at dawn");
        var routed = new AdapterSelection.Routed(1, null);
        var chosen = await ChosenAdapterAsync(served, prompt, routed, cancellationToken);
        var named = Named(chosen);
        var (namedTimes, routedTimes) = (new List<double>(), new List<double>());
        for (var trial = 0; trial < trials + 2; trial++)
        {
            var namedTime = await FirstTokenAsync(served, prompt, sampling, named, cancellationToken);
            var routedTime = await FirstTokenAsync(served, prompt, sampling, routed, cancellationToken);
            // The first two of each warm the paths up.
            if (trial >= 2)
            {
                namedTimes.Add(namedTime);
                routedTimes.Add(routedTime);
            }
        }

        var differences = namedTimes.Zip(routedTimes, (a, b) => b - a).Order().ToList();
        report.Row("time to first token, adapter named (median)", $"{Median(namedTimes):F2} ms");
        report.Row($"time to first token, routed to the nearest of {served.Experts.All.Count} experts (median)", $"{Median(routedTimes):F2} ms");
        report.Row("added by routing (median of paired differences; 90th percentile)", string.Create(CultureInfo.InvariantCulture,
            $"**{differences[differences.Count / 2]:F2} ms**; {differences[(int)(differences.Count * 0.9)]:F2} ms"));
    }

    private static async Task<string> ChosenAdapterAsync(ServedModel served, PromptInput prompt, AdapterSelection routed, CancellationToken cancellationToken)
    {
        await foreach (var generationEvent in served.GenerateAsync("route", prompt, new SamplingParameters { MaxTokens = 1 }, routed, cancellationToken))
        {
            if (generationEvent is AdaptersChosen chosen)
            {
                return chosen.Adapters[0].Adapter;
            }
        }

        throw new InvalidOperationException("A routed request reported no adapter.");
    }

    private static async Task<double> FirstTokenAsync(ServedModel served, PromptInput prompt, SamplingParameters sampling, AdapterSelection selection, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await foreach (var generationEvent in served.GenerateAsync("ttft", prompt, sampling, selection, cancellationToken))
        {
            if (generationEvent is GeneratedText { TokenIds.Count: > 0 })
            {
                return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }

        throw new InvalidOperationException("The request generated no token.");
    }

    private static async Task<int> CountTokensAsync(IAsyncEnumerable<GenerationEvent> events)
    {
        var tokens = 0;
        await foreach (var generationEvent in events)
        {
            tokens += (generationEvent as GeneratedText)?.TokenIds.Count ?? 0;
        }

        return tokens;
    }

    private static AdapterSelection.Named Named(string adapter) => new([new WeightedName(adapter, 1.0)]);

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>Random adapters (B not zero, so they change the output as trained ones do) and an expert for each, with samples of its own words.</summary>
    private static string WriteExperts(string folder, ModelConfig config, int count, int rank, IReadOnlyList<LoraModule> modules)
    {
        using var generator = new Generator(20261204, CPU);
        var experts = new List<ExpertDefinition>();
        for (var i = 0; i < count; i++)
        {
            var matrices = new Dictionary<(int Layer, LoraModule Module), (Tensor A, Tensor B)>();
            using var scope = NewDisposeScope();
            for (var layer = 0; layer < config.NumHiddenLayers; layer++)
            {
                foreach (var module in modules)
                {
                    var (input, output) = module.Shape(config);
                    matrices[(layer, module)] = (randn([rank, input], generator: generator).div_(Math.Sqrt(input)), randn([output, rank], generator: generator).mul_(0.01));
                }
            }

            PeftAdapter.Save(Path.Combine(folder, "adapters", $"adapter-{i}"), new AdapterSettings(rank, 2.0 * rank, modules, false, "bench"), matrices);
            experts.Add(new ExpertDefinition
            {
                Name = $"expert-{i}",
                Adapter = $"adapter-{i}",
                Samples = [.. Enumerable.Range(0, 3).Select(sample => $"Task {i}.{sample}: {SampleWords[i % SampleWords.Length]} number {sample}")],
            });
        }

        var path = Path.Combine(folder, "experts.yaml");
        ExpertFile.Write(path, experts);
        return path;
    }

    private static readonly string[] SampleWords =
    [
        "answer the question about history", "write a poem about the sea", "fix the bug in this function", "solve the puzzle step by step",
        "call the weather tool for a city", "say hello and thank the user", "translate the sentence into French", "summarize the long report",
    ];
}
