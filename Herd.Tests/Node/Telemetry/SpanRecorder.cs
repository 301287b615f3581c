using System.Collections.Concurrent;
using System.Diagnostics;
using Herd.Node.Telemetry;

namespace Herd.Tests.Node.Telemetry;

/// <summary>Records every span of the node's ActivitySource that ends while it listens; tests pick theirs by trace id.</summary>
internal sealed class SpanRecorder : IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public SpanRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == NodeTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<Activity> All => [.. _stopped];

    public IReadOnlyList<Activity> InTrace(ActivityTraceId traceId) => [.. _stopped.Where(span => span.TraceId == traceId)];

    public void Dispose() => _listener.Dispose();
}
