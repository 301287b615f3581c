using System.Collections.Concurrent;
using System.Globalization;
using Grpc.Core;
using Herd.Tests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herd.Tests.Telemetry.Otlp;

/// <summary>
/// An OTLP/gRPC receiver on loopback, as a collector or the Aspire dashboard is to Herd's
/// processes: they export to <see cref="Endpoint"/> with their own OTLP exporter, and the test
/// reads what arrived.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app, int port, Received received)
    {
        _app = app;
        Endpoint = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
        Spans = received.Spans;
        Metrics = received.Metrics;
    }

    /// <summary>What to set as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public string Endpoint { get; }

    public ConcurrentQueue<ReceivedSpan> Spans { get; }

    public ConcurrentQueue<ReceivedMetric> Metrics { get; }

    public static async Task<OtlpReceiver> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenLocalhost(port, listen => listen.Protocols = HttpProtocols.Http2));
        var received = new Received();
        builder.Services.AddSingleton(received);
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<TraceReceiver>();
        app.MapGrpcService<MetricsReceiver>();
        app.MapGrpcService<LogsReceiver>();
        await app.StartAsync();
        return new OtlpReceiver(app, port, received);
    }

    /// <summary>Waits until what arrived satisfies <paramref name="condition"/>.</summary>
    public async Task WaitForAsync(Func<OtlpReceiver, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(this))
        {
            if (DateTime.UtcNow > deadline)
            {
                var spans = string.Join(", ", Spans.Select(span => $"{span.Service}:{span.Name}").Distinct());
                var metrics = string.Join(", ", Metrics.Select(metric => $"{metric.Service}:{metric.Name}").Distinct());
                throw new TimeoutException($"No {what} within {timeout}. Spans: {spans}. Metrics: {metrics}.");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal sealed class Received
    {
        public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();

        public ConcurrentQueue<ReceivedMetric> Metrics { get; } = new();
    }

    private static string ServiceName(Resource? resource) =>
        resource?.Attributes.FirstOrDefault(attribute => attribute.Key == "service.name")?.Value?.StringValue ?? string.Empty;

    private sealed class TraceReceiver(Received received) : TraceService.TraceServiceBase
    {
        public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
        {
            foreach (var resource in request.ResourceSpans)
            {
                var service = ServiceName(resource.Resource);
                foreach (var span in resource.ScopeSpans.SelectMany(scope => scope.Spans))
                {
                    received.Spans.Enqueue(new ReceivedSpan(service, span));
                }
            }

            return Task.FromResult(new ExportTraceServiceResponse());
        }
    }

    private sealed class MetricsReceiver(Received received) : MetricsService.MetricsServiceBase
    {
        public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
        {
            foreach (var resource in request.ResourceMetrics)
            {
                var service = ServiceName(resource.Resource);
                foreach (var scope in resource.ScopeMetrics)
                {
                    foreach (var metric in scope.Metrics)
                    {
                        received.Metrics.Enqueue(new ReceivedMetric(service, scope.Scope?.Name ?? string.Empty, metric.Name, metric.Unit));
                    }
                }
            }

            return Task.FromResult(new ExportMetricsServiceResponse());
        }
    }

    private sealed class LogsReceiver : LogsService.LogsServiceBase
    {
        public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context) =>
            Task.FromResult(new ExportLogsServiceResponse());
    }
}

/// <summary>A span as an exporter sent it, with the <c>service.name</c> of the process it came from.</summary>
internal sealed record ReceivedSpan(string Service, Span Span)
{
    public string Name => Span.Name;

    public string TraceId => Convert.ToHexString(Span.TraceId.Span);

    public string SpanId => Convert.ToHexString(Span.SpanId.Span);

    public string ParentSpanId => Convert.ToHexString(Span.ParentSpanId.Span);

    public string? Attribute(string key) =>
        Span.Attributes.FirstOrDefault(attribute => attribute.Key == key)?.Value is { } value
            ? value.ValueCase switch
            {
                AnyValue.ValueOneofCase.StringValue => value.StringValue,
                AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
                AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(CultureInfo.InvariantCulture),
                AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
                _ => null,
            }
            : null;
}

/// <summary>A metric's name and unit as an exporter sent it, with its process's <c>service.name</c> and its meter.</summary>
internal sealed record ReceivedMetric(string Service, string Meter, string Name, string Unit);
