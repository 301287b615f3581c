using System.Diagnostics;
using System.Threading.Channels;
using Herd.Contracts.V1;
using Herd.Node;
using Herd.Node.Adapters;
using Herd.Node.Engine;
using Herd.Node.Experts;
using Herd.Node.Link;
using Herd.Node.Serving;
using Herd.Node.Telemetry;
using Herd.Tests.Node.Link;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Herd.Tests.Node.Telemetry;

/// <summary>
/// A job assigned over NodeLink, run in-process by the node's own JobRunner on herd-tiny: its
/// spans continue the trace the assignment carries, and the model load is measured.
/// </summary>
public sealed class JobTracingTests(LinkedNode nodes) : IClassFixture<LinkedNode>
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string GatewaySpanId = "00f067aa0ba902b7";

    [Fact]
    public async Task Job_SpansContinueTheAssignedTrace_AndPrefillAndDecodeCarryTheTokenCounts()
    {
        using var spans = new SpanRecorder();
        using var metrics = new MetricRecorder();
        await using var host = await LoadAsync(metrics);
        var runner = new JobRunner(host, new NodeActivity(), Options.Create(NodeOptions), NullLogger<JobRunner>.Instance);
        var assign = new Assign
        {
            JobId = "job-traced",
            Model = host.Model.Name,
            Prompt = "The herd moves on",
            Sampling = new SamplingParams { Temperature = 0, MaxTokens = 5 },
            Traceparent = $"00-{TraceId}-{GatewaySpanId}-01",
            Tracestate = "herd=1",
        };

        var finished = (await RunAsync(runner, assign))[^1].Finished;

        var inTrace = spans.InTrace(ActivityTraceId.CreateFromString(TraceId));
        var job = Assert.Single(inTrace, span => span.OperationName == NodeTelemetry.JobSpan);
        var prefill = Assert.Single(inTrace, span => span.OperationName == NodeTelemetry.PrefillSpan);
        var decode = Assert.Single(inTrace, span => span.OperationName == NodeTelemetry.DecodeSpan);
        Assert.Equal(GatewaySpanId, job.ParentSpanId.ToHexString());
        Assert.Equal("herd=1", job.TraceStateString);
        Assert.Equal(ActivityKind.Consumer, job.Kind);
        Assert.Equal(host.Model.Name, job.GetTagItem(NodeTelemetry.ModelAttribute));
        Assert.Equal("text_completion", job.GetTagItem(NodeTelemetry.OperationNameAttribute));
        Assert.Equal("node-traced", job.GetTagItem(NodeTelemetry.NodeIdAttribute));
        Assert.Equal(finished.Usage.PromptTokens, job.GetTagItem(NodeTelemetry.InputTokensAttribute));
        Assert.Equal(finished.Usage.CompletionTokens, job.GetTagItem(NodeTelemetry.OutputTokensAttribute));
        Assert.Equal(job.SpanId, prefill.ParentSpanId);
        Assert.Equal(job.SpanId, decode.ParentSpanId);
        Assert.Equal(finished.Usage.PromptTokens, prefill.GetTagItem(NodeTelemetry.InputTokensAttribute));
        Assert.Equal(finished.Usage.CompletionTokens, decode.GetTagItem(NodeTelemetry.OutputTokensAttribute));
        Assert.Equal(5, finished.Usage.CompletionTokens);
        Assert.Single(metrics.Values("herd.node.model.load.duration"), seconds => seconds > 0);
    }

    [Fact]
    public async Task EmbeddingJob_AnswersWithJobFinishedAlone_AndItsSpansAndMetricsCarryItsTextsAndTokens()
    {
        using var spans = new SpanRecorder();
        using var metrics = new MetricRecorder();
        await using var host = await LoadAsync(metrics);
        var runner = new JobRunner(host, new NodeActivity(), Options.Create(NodeOptions), NullLogger<JobRunner>.Instance);
        var assign = new Assign
        {
            JobId = "job-embedded",
            Model = host.Model.Name,
            Embed = new EmbedInput { Texts = { "The herd moves on", "to the next valley" } },
            Traceparent = $"00-{TraceId}-{GatewaySpanId}-01",
        };

        var finished = Assert.Single(await RunAsync(runner, assign)).Finished;

        var hidden = host.Model.Config.HiddenSize;
        var job = Assert.Single(spans.InTrace(ActivityTraceId.CreateFromString(TraceId)), span => span.GetTagItem(NodeTelemetry.OperationNameAttribute) is "embeddings");
        var embed = Assert.Single(spans.InTrace(job.TraceId), span => span.OperationName == NodeTelemetry.EmbedSpan);
        Assert.Equal(Contracts.V1.FinishReason.Stop, finished.FinishReason);
        Assert.Equal(0, finished.Usage.CompletionTokens);
        Assert.Null(finished.TimeToFirstToken);
        Assert.All(finished.Embeddings, embedding => Assert.Equal(hidden, embedding.Values.Count));
        Assert.Equal(2, finished.Embeddings.Count);
        Assert.Equal(finished.Usage.PromptTokens, job.GetTagItem(NodeTelemetry.InputTokensAttribute));
        Assert.Equal(hidden, job.GetTagItem(NodeTelemetry.EmbeddingDimensionsAttribute));
        Assert.Equal(2, job.GetTagItem(NodeTelemetry.EmbeddingTextsAttribute));
        Assert.Equal(["stop"], Assert.IsType<string[]>(job.GetTagItem(NodeTelemetry.FinishReasonsAttribute)));
        Assert.Equal(job.SpanId, embed.ParentSpanId);
        Assert.Equal(finished.Usage.PromptTokens, embed.GetTagItem(NodeTelemetry.InputTokensAttribute));
        Assert.Equal(finished.Usage.PromptTokens, metrics.Values("herd.node.embedding.tokens").Sum());
        Assert.Empty(metrics.Values("herd.node.batch.size"));
    }

    [Fact]
    public async Task Job_WithoutTraceContext_StartsATraceOfItsOwn()
    {
        using var spans = new SpanRecorder();
        using var metrics = new MetricRecorder();
        await using var host = await LoadAsync(metrics);
        var runner = new JobRunner(host, new NodeActivity(), Options.Create(NodeOptions with { NodeId = "node-untraced" }), NullLogger<JobRunner>.Instance);
        using var unrelated = new Activity("unrelated").Start();

        await RunAsync(runner, new Assign { JobId = "job-untraced", Prompt = "Hello", Sampling = new SamplingParams { Temperature = 0, MaxTokens = 2 } });

        var job = Assert.Single(spans.All, span => span.OperationName == NodeTelemetry.JobSpan && (string?)span.GetTagItem(NodeTelemetry.NodeIdAttribute) == "node-untraced");
        Assert.NotEqual(unrelated.TraceId, job.TraceId);
        Assert.Equal(default, job.ParentSpanId);
        Assert.Equal(2, spans.InTrace(job.TraceId).Count(span => span.ParentSpanId == job.SpanId));
    }

    private NodeOptions NodeOptions => new() { NodeId = "node-traced", Model = nodes.ModelFolder, Device = "cpu", Threads = 1 };

    private async Task<ModelHost> LoadAsync(MetricRecorder metrics)
    {
        var host = new ModelHost(Options.Create(NodeOptions), Options.Create(new EngineOptions { MaxSequences = 2 }), Options.Create(new AdapterOptions()), Options.Create(new ExpertOptions()), new EngineMetrics(metrics.Meters), NullLoggerFactory.Instance, NullLogger<ModelHost>.Instance);
        await host.StartAsync(CancellationToken.None);
        return host;
    }

    private static async Task<List<NodeMessage>> RunAsync(JobRunner runner, Assign assign)
    {
        var output = Channel.CreateUnbounded<NodeMessage>();
        await runner.RunAsync(assign, output.Writer, CancellationToken.None);
        output.Writer.Complete();
        return await output.Reader.ReadAllAsync().ToListAsync();
    }
}
