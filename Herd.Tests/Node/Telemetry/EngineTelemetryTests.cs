using System.Diagnostics;
using Herd.Node.Engine;
using Herd.Node.Telemetry;
using Herd.Tests.Node.Engine;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herd.Tests.Node.Telemetry;

/// <summary>The engine's spans and metrics, recorded in-process around a small random model.</summary>
public sealed class EngineTelemetryTests
{
    private const int Slots = 3;
    private static readonly SamplingParameters Greedy = new() { Temperature = 0, MaxTokens = 6 };

    [Fact]
    public async Task Generation_RecordsBatchSizesAndTokens_AndLeavesSlotsFreeAndTheCacheEmpty()
    {
        using var metrics = new MetricRecorder();
        using var model = RandomModel.Create();
        await using var engine = Engine(model, new EngineMetrics(metrics.Meters));
        int[][] prompts = [EngineHarness.Prompt(1, 7), EngineHarness.Prompt(2, 11), EngineHarness.Prompt(3, 5), EngineHarness.Prompt(4, 9)];

        var results = await Task.WhenAll(prompts.Select(prompt => EngineHarness.CompleteAsync(engine, prompt, Greedy)));

        var batchSizes = metrics.Values("herd.node.batch.size");
        Assert.NotEmpty(batchSizes);
        Assert.All(batchSizes, size => Assert.InRange(size, 1, Slots));
        Assert.Contains(batchSizes, size => size > 1);
        Assert.Equal(prompts.Sum(prompt => prompt.Length), metrics.Values("herd.node.prefill.tokens").Sum());
        Assert.Equal(results.Sum(result => result.Tokens.Count), metrics.Values("herd.node.decode.tokens").Sum());
        Assert.Equal(0, metrics.Observe("herd.node.slots.active"));
        Assert.Equal(Slots, metrics.Observe("herd.node.slots.free"));
        Assert.Equal(0, metrics.Observe("herd.node.kv_cache.used"));
    }

    [Fact]
    public async Task WhileASequenceRuns_ItHoldsASlotAndPartOfTheCache()
    {
        using var metrics = new MetricRecorder();
        // A context long enough that the sequence is still running when the gauges are read,
        // however fast the steps are.
        using var model = RandomModel.Create(maxPositions: 4096);
        await using var engine = Engine(model, new EngineMetrics(metrics.Meters));
        using var cancel = new CancellationTokenSource();
        var prompt = EngineHarness.Prompt(5, 10);

        var tokens = 0;
        var (active, free, cacheUsed) = (-1.0, -1.0, -1.0);
        await foreach (var generationEvent in engine.GenerateAsync(new GenerationRequest("running", prompt, Greedy with { MaxTokens = null }), cancel.Token))
        {
            // The engine publishes its occupancy after each iteration, so by the second token the
            // first iteration's (the prompt in the cache) is what the gauges read.
            if (generationEvent is GeneratedText && ++tokens == 2)
            {
                (active, free, cacheUsed) = (metrics.Observe("herd.node.slots.active"), metrics.Observe("herd.node.slots.free"), metrics.Observe("herd.node.kv_cache.used"));
                await cancel.CancelAsync();
            }
        }

        Assert.Equal(1, active);
        Assert.Equal(Slots - 1, free);
        Assert.InRange(cacheUsed, (double)prompt.Length / (Slots * model.MaxPositions), 0.5);
        Assert.Equal(0, metrics.Observe("herd.node.kv_cache.used"));
    }

    [Fact]
    public async Task SequencesBatchedTogether_EachGetPrefillAndDecodeSpansInTheirOwnTrace_WithTheirTokenCounts()
    {
        using var spans = new SpanRecorder();
        using var model = RandomModel.Create();
        await using var engine = Engine(model, metrics: null);
        int[][] prompts = [EngineHarness.Prompt(6, 4), EngineHarness.Prompt(7, 13), EngineHarness.Prompt(8, 8)];

        var runs = await Task.WhenAll(prompts.Select((prompt, i) => RunInTraceAsync(engine, prompt, Greedy with { MaxTokens = 3 + i })));

        foreach (var (run, prompt) in runs.Zip(prompts))
        {
            var inTrace = spans.InTrace(run.Parent.TraceId);
            var prefill = Assert.Single(inTrace, span => span.OperationName == NodeTelemetry.PrefillSpan);
            var decode = Assert.Single(inTrace, span => span.OperationName == NodeTelemetry.DecodeSpan);
            Assert.Equal(run.Parent.SpanId, prefill.ParentSpanId);
            Assert.Equal(run.Parent.SpanId, decode.ParentSpanId);
            Assert.Equal(prompt.Length, prefill.GetTagItem(NodeTelemetry.InputTokensAttribute));
            Assert.Equal(run.Completion.Tokens.Count, decode.GetTagItem(NodeTelemetry.OutputTokensAttribute));
            Assert.Equal(["length"], Assert.IsType<string[]>(decode.GetTagItem(NodeTelemetry.FinishReasonsAttribute)));
        }
    }

    private static async Task<(ActivityContext Parent, Completion Completion)> RunInTraceAsync(EngineLoop engine, int[] prompt, SamplingParameters sampling)
    {
        // A caller's span of its own, as the node's job span is for a real request.
        using var caller = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start();
        var completion = await EngineHarness.CompleteAsync(engine, prompt, sampling);
        return (caller.Context, completion);
    }

    private static EngineLoop Engine(Herd.Node.Model.CausalLanguageModel model, EngineMetrics? metrics) =>
        new(model, new EngineOptions { MaxSequences = Slots, MaxBatchedTokens = 16 }, () => new TokenIdDecoder(), new HashSet<int>(), NullLogger<EngineLoop>.Instance, metrics);
}
