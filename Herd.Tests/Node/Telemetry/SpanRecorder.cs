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

    /// <summary>
    /// The trace's spans once one named <paramref name="operation"/> has ended: a job's span ends
    /// just after the node sends its last message, so a client that saw that message may look early.
    /// </summary>
    public async Task<IReadOnlyList<Activity>> InTraceOnceEndedAsync(ActivityTraceId traceId, string operation)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!InTrace(traceId).Any(span => span.OperationName == operation) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        return InTrace(traceId);
    }

    public void Dispose() => _listener.Dispose();
}
