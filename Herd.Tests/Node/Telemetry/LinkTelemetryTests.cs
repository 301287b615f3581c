using System.Diagnostics;
using Herd.Contracts.V1;
using Herd.Node;
using Herd.Node.Adapters;
using Herd.Node.Engine;
using Herd.Node.Experts;
using Herd.Node.Link;
using Herd.Node.Serving;
using Herd.Node.Telemetry;
using Herd.Tests.Fixtures;
using Herd.Tests.Node.Link;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Herd.Tests.Node.Telemetry;

/// <summary>
/// The node's links hosted in-process against an in-process gateway over real gRPC: readiness
/// follows the model and the link, and a trace context sent in Assign reaches the node's spans.
/// </summary>
public sealed class LinkTelemetryTests(LinkedNode nodes) : IClassFixture<LinkedNode>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Health_IsReadyOnlyOnceTheModelIsLoadedAndALinkIsUp_AndAssignCarriesTheTraceToTheNode()
    {
        using var spans = new SpanRecorder();
        using var metrics = new MetricRecorder();
        await using var gateway = await GatewayHost.StartAsync();
        var options = new NodeOptions { NodeId = "node-link-telemetry", Model = nodes.ModelFolder, Device = "cpu", Threads = 1, Gateways = [gateway.Url], Secret = GatewayHost.Secret };
        await using var host = new ModelHost(Options.Create(options), Options.Create(new EngineOptions { MaxSequences = 2 }), Options.Create(new AdapterOptions()), Options.Create(new ExpertOptions()), new EngineMetrics(metrics.Meters), NullLoggerFactory.Instance, NullLogger<ModelHost>.Instance);
        using var activity = new NodeActivity();
        var runner = new JobRunner(host, activity, Options.Create(options), NullLogger<JobRunner>.Instance);
        var lifetime = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
        using var links = new NodeLinks(new LocalBackend(host, runner), activity, Options.Create(options), new ConfigurationBuilder().Build(), lifetime, NullLoggerFactory.Instance, NullLogger<NodeLinks>.Instance);
        var health = new LinkHealthCheck(new LocalBackend(host, runner), links);

        var beforeLoad = await health.CheckHealthAsync(new HealthCheckContext());
        await host.StartAsync(CancellationToken.None);
        var loadedUnlinked = await health.CheckHealthAsync(new HealthCheckContext());
        await links.StartAsync(CancellationToken.None);
        try
        {
            var connection = await gateway.WaitForNodeAsync(options.NodeId, Timeout);
            // The gateway lists the node when it accepts it; the node counts the link up when the acceptance arrives.
            var linked = await HealthyWithinAsync(health, Timeout);
            var traceId = ActivityTraceId.CreateRandom();
            var gatewaySpan = ActivitySpanId.CreateRandom();
            var messages = await RunAsync(connection, new Assign
            {
                JobId = "job-over-the-link",
                Prompt = "The herd moves on",
                Sampling = new SamplingParams { Temperature = 0, MaxTokens = 4 },
                Traceparent = $"00-{traceId}-{gatewaySpan}-01",
            });

            Assert.Equal(HealthStatus.Unhealthy, beforeLoad.Status);
            Assert.Contains("not loaded", beforeLoad.Description, StringComparison.Ordinal);
            Assert.Equal(HealthStatus.Unhealthy, loadedUnlinked.Status);
            Assert.Contains("No gateway link", loadedUnlinked.Description, StringComparison.Ordinal);
            Assert.Equal(HealthStatus.Healthy, linked.Status);
            Assert.Equal(NodeMessage.KindOneofCase.Finished, messages[^1].KindCase);
            var inTrace = await spans.InTraceOnceEndedAsync(traceId, NodeTelemetry.JobSpan);
            var job = Assert.Single(inTrace, span => span.OperationName == NodeTelemetry.JobSpan);
            Assert.Equal(gatewaySpan, job.ParentSpanId);
            Assert.Equal(options.NodeId, job.GetTagItem(NodeTelemetry.NodeIdAttribute));
            Assert.Equal(2, inTrace.Count(span => span.ParentSpanId == job.SpanId));
        }
        finally
        {
            await links.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<HealthCheckResult> HealthyWithinAsync(LinkHealthCheck health, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var result = await health.CheckHealthAsync(new HealthCheckContext());
            if (result.Status == HealthStatus.Healthy || Stopwatch.GetTimestamp() > deadline)
            {
                return result;
            }

            await Task.Delay(20);
        }
    }

    private static async Task<List<NodeMessage>> RunAsync(Herd.Gateway.Nodes.Links.NodeConnection connection, Assign assign)
    {
        Assert.True(connection.TryReserveSlot());
        try
        {
            using var timeout = new CancellationTokenSource(Timeout);
            var reader = await connection.AssignAsync(assign, CancellationToken.None);
            return await reader.ReadAllAsync(timeout.Token).ToListAsync(timeout.Token);
        }
        finally
        {
            connection.ReleaseSlot();
        }
    }
}
