using System.Diagnostics;

namespace Herd.Node.Engine;

/// <summary>
/// One embedding request inside the engine: which of its texts have been scheduled and the
/// vectors they gave. Texts are taken shortest first, so the texts of one pass are of similar
/// lengths and little of the pass is padding. It holds no cache slot.
/// </summary>
public sealed class EmbeddingJob
{
    private readonly int[] _order;
    private readonly float[][] _vectors;
    private int _scheduled;
    private int _embedded;

    public EmbeddingJob(EmbeddingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Request = request;
        _order = [.. Enumerable.Range(0, request.Texts.Count).OrderBy(index => request.Texts[index].Count)];
        _vectors = new float[request.Texts.Count][];
    }

    public string Id => Request.Id;

    public EmbeddingRequest Request { get; }

    /// <summary>Set by the engine thread once; the caller's continuations run elsewhere.</summary>
    public TaskCompletionSource<EmbeddingResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsFinished { get; set; }

    /// <summary>Every text has been handed to a pass.</summary>
    public bool IsScheduled => _scheduled == _order.Length;

    /// <summary>The tokens of the next text to schedule.</summary>
    public int NextLength => Request.Texts[_order[_scheduled]].Count;

    /// <summary>One vector per text in the request's order; complete once <see cref="Add"/> returned true.</summary>
    public IReadOnlyList<float[]> Vectors => _vectors;

    public long ArrivalTimestamp { get; } = Stopwatch.GetTimestamp();

    /// <summary>The trace context of whoever sent the request: the job's engine span is its child.</summary>
    public ActivityContext TraceParent { get; init; }

    /// <summary>Open from the pass that runs its first text until it ends (see <see cref="Telemetry.EmbeddingSpans"/>).</summary>
    public Activity? Span { get; set; }

    /// <summary>Hands the next text to a pass.</summary>
    public EmbeddingText TakeNext() => new(this, _order[_scheduled++]);

    /// <summary>Keeps one text's vector; returns whether it was the last one.</summary>
    public bool Add(int index, float[] vector)
    {
        _vectors[index] = vector;
        return ++_embedded == _vectors.Length;
    }
}
