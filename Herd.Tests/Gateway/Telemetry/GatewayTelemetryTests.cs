using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Telemetry;
using Herd.Tests.Fixtures;
using Herd.Tests.Mesh;
using Microsoft.Extensions.DependencyInjection;

namespace Herd.Tests.Gateway.Telemetry;

/// <summary>
/// A whole gateway in the test process (access control on, the shared Redis and PostgreSQL) with a
/// real node linked to it: listeners in the process see the gateway's metrics and spans.
/// </summary>
[Collection(WithServers.Name)]
public sealed class GatewayTelemetryTests(ServersFixture servers)
{
    private const string RolesWithALimit = """
        roles:
          admin:
            allow_methods: ["*"]
          limited:
            allow_methods: ["herd.v1.Completions/*"]
            limits:
              - { requests: 1, per: 1h }
        """;

    private const string CompleteMethod = "/herd.v1.Completions/Complete";

    [Fact]
    public async Task ACompletionThroughANode_IsMeasured_AndItsSpansNestUnderTheCompletion()
    {
        await using var gateway = await AccessGatewayHost.StartAsync(servers, roles: RolesWithALimit);
        using var metrics = new RecordedMetrics(gateway.Services.GetRequiredService<IMeterFactory>());
        using var spans = new RecordedSpans();
        await using var node = StartNode(gateway);
        await WaitUntilServedAsync(gateway, node);
        var key = await gateway.KeyAsync("limited");
        var keyId = AccessGatewayHost.KeyId(key);
        var client = new Contracts.V1.Completions.CompletionsClient(gateway.Channel);

        var served = await StreamedCompletion.RunAsync(client, MeshClient.Request("Hello", maxTokens: 4), headers: AccessGatewayHost.Bearer(key));
        var refused = await Assert.ThrowsAsync<RpcException>(() => StreamedCompletion.RunAsync(client, MeshClient.Request("Hello", maxTokens: 4), headers: AccessGatewayHost.Bearer(key)));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.NotEmpty(served.TokenIds);
        await metrics.WaitUntilAsync("herd.gateway.requests", m => m.Has(TelemetryTags.RpcMethod, CompleteMethod) && m.Has(TelemetryTags.RpcStatusCode, "OK"));
        await metrics.WaitUntilAsync("herd.gateway.requests", m => m.Has(TelemetryTags.RpcMethod, CompleteMethod) && m.Has(TelemetryTags.RpcStatusCode, "RESOURCE_EXHAUSTED"));
        await metrics.WaitUntilAsync("gen_ai.server.time_to_first_token", m => m.Has(TelemetryTags.Model, TestHerd.Model) && m.Value > 0);
        await metrics.WaitUntilAsync("herd.gateway.tokens", m => m.Has(TelemetryTags.TokenType, "output") && m.Value > 0);
        await metrics.WaitUntilAsync("herd.gateway.queue.wait", m => m.Has(TelemetryTags.Model, TestHerd.Model) && m.Has(TelemetryTags.Priority, 0));
        await metrics.WaitUntilAsync("herd.gateway.limit.rejections", m => m.Has(TelemetryTags.Limit, "requests"));
        var streams = metrics.All("herd.gateway.streams.active");
        Assert.Contains(streams, m => m.Value == 1);
        Assert.Equal(0, streams.Sum(m => m.Value));

        var completion = await spans.WaitForAsync(span => span.OperationName == GatewayTelemetry.CompletionSpan && Equals(span.GetTagItem(TelemetryTags.KeyId), keyId) && Equals(span.GetTagItem(TelemetryTags.RpcStatusCode), "OK"));
        var queue = await spans.WaitForAsync(span => span.OperationName == GatewayTelemetry.QueueSpan && span.TraceId == completion.TraceId);
        var dispatch = await spans.WaitForAsync(span => span.OperationName == GatewayTelemetry.DispatchSpan && span.TraceId == completion.TraceId);
        Assert.Equal(completion.SpanId, queue.ParentSpanId);
        Assert.Equal(completion.SpanId, dispatch.ParentSpanId);
        Assert.Equal("node-telemetry", dispatch.GetTagItem(TelemetryTags.NodeId));
        Assert.Equal(TestHerd.Model, completion.GetTagItem(TelemetryTags.Model));
        Assert.True(completion.GetTagItem(TelemetryTags.OutputTokens) is int output && output > 0);
    }

    private static ChildProcess StartNode(AccessGatewayHost gateway) => HerdService.Start("Herd.Node", [], new Dictionary<string, string>
    {
        ["HERD_MODEL_CACHE"] = TestHerd.ModelCache,
        ["Herd__Node__NodeId"] = "node-telemetry",
        ["Herd__Node__Model"] = TestHerd.Model,
        ["Herd__Node__Threads"] = "1",
        ["Herd__Node__Gateways__0"] = gateway.Url,
        ["HERD_NODE_SECRET"] = AccessGatewayHost.NodeSecret,
        ["Kestrel__Endpoints__Http__Url"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreePort.Next()}"),
    });

    private static async Task WaitUntilServedAsync(AccessGatewayHost gateway, ChildProcess node)
    {
        var catalog = new Contracts.V1.Catalog.CatalogClient(gateway.Channel);
        var deadline = DateTime.UtcNow + HerdService.StartTimeout;
        while ((await catalog.ListModelsAsync(new ListModelsRequest(), AccessGatewayHost.Bearer(gateway.AdminKey))).Models.All(model => model.Name != TestHerd.Model))
        {
            Assert.True(DateTime.UtcNow < deadline, $"The node did not serve {TestHerd.Model} in time. Node output:\n{node.Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>One measurement with its attributes.</summary>
    private sealed record Recorded(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
    {
        public bool Has(string tag, object expected) => Tags.TryGetValue(tag, out var value) && Equals(value, expected);
    }

    /// <summary>Every measurement of the gateway's meter from one gateway's meter factory (not other gateways' in the process).</summary>
    private sealed class RecordedMetrics : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<Recorded> _recorded = new();

        public RecordedMetrics(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == GatewayTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.Start();
        }

        public IReadOnlyList<Recorded> All(string instrument) => [.. _recorded.Where(m => m.Instrument == instrument)];

        public async Task WaitUntilAsync(string instrument, Func<Recorded, bool> match)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!All(instrument).Any(match))
            {
                Assert.True(DateTime.UtcNow < deadline, $"No matching {instrument} measurement; saw: {string.Join("; ", All(instrument).Select(m => $"{m.Value} {string.Join(',', m.Tags.Select(t => $"{t.Key}={t.Value}"))}"))}");
                await Task.Delay(50);
            }
        }

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copied = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                copied[tag.Key] = tag.Value;
            }

            _recorded.Enqueue(new Recorded(instrument.Name, value, copied));
        }

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>Every span of the gateway's activity source that ended while it listened.</summary>
    private sealed class RecordedSpans : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly ConcurrentQueue<Activity> _stopped = new();

        public RecordedSpans()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == GatewayTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public async Task<Activity> WaitForAsync(Func<Activity, bool> match)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                if (_stopped.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                Assert.True(DateTime.UtcNow < deadline, $"No matching span; saw: {string.Join(", ", _stopped.Select(span => span.DisplayName))}");
                await Task.Delay(50);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
