using Herd.Tests.Fixtures;
using Herd.Tests.Mesh;
using Herd.Tests.Telemetry.Otlp;

namespace Herd.Tests.Telemetry;

/// <summary>
/// A gateway and a node, as processes, export to an OTLP receiver with their own OTLP exporters,
/// set up by nothing but <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, as the app host sets it.
/// </summary>
public sealed class TelemetryExportTests
{
    private static readonly TimeSpan ExportWait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ARequest_GivesOneTrace_FromTheGatewayThroughTheNode_AndTheNamedMetrics()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var herd = await TestHerd.StartAsync(
            gateways: 1,
            nodes: 1,
            gatewaySettings: Exporting(receiver, "gateway"),
            nodeSettings: Exporting(receiver, "node"),
            withAccess: true);

        var completion = await StreamedCompletion.RunAsync(herd.Gateways[0].Completions, MeshClient.Request("Trace this request", 6), headers: herd.KeyHeaders());
        await receiver.WaitForAsync(
            received => received.Spans.Any(span => span.Name == "herd.node.decode")
                && received.Spans.Any(span => IsCompletion(span) && span.Attribute("gen_ai.usage.output_tokens") is not null),
            ExportWait,
            "trace of the request from both processes");
        await receiver.WaitForAsync(
            received => GatewayMetrics.All(name => received.Metrics.Any(metric => metric.Name == name))
                && NodeMetrics.All(name => received.Metrics.Any(metric => metric.Name == name)),
            ExportWait,
            "metrics from both processes");

        var spans = receiver.Spans.ToList();
        var request = spans.Single(IsCompletion);
        var trace = spans.Where(span => span.TraceId == request.TraceId).ToList();
        var nodeJob = trace.Single(span => span.Name == "herd.node.job");
        var bySpanId = trace.ToDictionary(span => span.SpanId);
        Assert.Equal(6, completion.Done.Usage.CompletionTokens);
        Assert.Equal("gateway", request.Service);
        Assert.Equal("node", nodeJob.Service);
        Assert.Contains(trace, span => span.Name == "herd.queue" && span.Service == "gateway");
        Assert.Contains(trace, span => span.Name == "herd.dispatch" && span.Service == "gateway");
        Assert.Contains(trace, span => span.Name == "herd.node.prefill" && span.ParentSpanId == nodeJob.SpanId);
        Assert.Contains(trace, span => span.Name == "herd.node.decode" && span.ParentSpanId == nodeJob.SpanId);
        // The node's job hangs under a span of the gateway: one trace across the NodeLink stream.
        Assert.True(bySpanId.TryGetValue(nodeJob.ParentSpanId, out var parent), "the node's job span has no parent span in the trace");
        Assert.Equal(("gateway", "herd.dispatch"), (parent.Service, parent.Name));
        Assert.Equal(request.SpanId, parent.ParentSpanId);
        Assert.Equal("6", request.Attribute("gen_ai.usage.output_tokens"));
        Assert.Equal(TestHerd.Model, nodeJob.Attribute("gen_ai.request.model"));
        Assert.All(GatewayMetrics, name => Assert.Contains(receiver.Metrics, metric => metric.Name == name && metric.Service == "gateway"));
        Assert.All(NodeMetrics, name => Assert.Contains(receiver.Metrics, metric => metric.Name == name && metric.Service == "node"));
    }

    private static readonly string[] GatewayMetrics =
    [
        "herd.gateway.requests", "herd.gateway.streams.active", "herd.gateway.queue.wait", "gen_ai.server.time_to_first_token",
        "gen_ai.server.time_per_output_token", "herd.gateway.tokens", "herd.gateway.queue.depth", "herd.gateway.ledger.outbox.lag",
    ];

    private static readonly string[] NodeMetrics =
    [
        "herd.node.slots.active", "herd.node.slots.free", "herd.node.batch.size", "herd.node.prefill.tokens", "herd.node.decode.tokens",
        "herd.node.kv_cache.used", "herd.node.model.load.duration", "herd.node.process.memory", "herd.node.cpu.utilization",
    ];

    /// <summary>The gateway's span for a completion, named with its model (<c>herd.completion herd-tiny</c>).</summary>
    private static bool IsCompletion(ReceivedSpan span) => span.Name.StartsWith("herd.completion", StringComparison.Ordinal);

    /// <summary>What a process needs to export to the receiver, quickly enough for a test.</summary>
    private static Dictionary<string, string> Exporting(OtlpReceiver receiver, string service) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
        ["OTEL_SERVICE_NAME"] = service,
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
    };
}
