using System.Diagnostics;
using System.Threading.Channels;

namespace Herd.Node.Engine;

/// <summary>One request inside the engine: its prompt, what it has generated, where its cache lives.</summary>
public sealed class Sequence(GenerationRequest request, int maxTokens, SamplingState sampling, OutputProcessor output, Channel<GenerationEvent> events)
{
    private readonly List<int> _generated = [];

    public string Id => Request.Id;

    public GenerationRequest Request { get; } = request;

    public IReadOnlyList<int> Prompt => Request.PromptTokens;

    public int MaxTokens { get; } = maxTokens;

    public SamplingState Sampling { get; } = sampling;

    public OutputProcessor Output { get; } = output;

    /// <summary>Written by the engine thread only; read by the request's caller.</summary>
    public Channel<GenerationEvent> Events { get; } = events;

    public bool IsFinished { get; set; }

    public IReadOnlyList<int> Generated => _generated;

    /// <summary>Its slot in the KV cache while it runs; -1 while it waits.</summary>
    public int Slot { get; set; } = -1;

    /// <summary>How many of its tokens have keys and values in the cache.</summary>
    public int CachedTokens { get; set; }

    public bool IsPrefilling => CachedTokens < Prompt.Count;

    public int LastToken => _generated[^1];

    public long ArrivalTimestamp { get; } = Stopwatch.GetTimestamp();

    public long FirstTokenTimestamp { get; private set; }

    /// <summary>The trace context of whoever sent the request: the sequence's spans are its children.</summary>
    public ActivityContext TraceParent { get; init; }

    /// <summary>Open from admission into the batch until the first token (see <see cref="Telemetry.SequenceSpans"/>).</summary>
    public Activity? PrefillSpan { get; set; }

    /// <summary>Open from the first token until the sequence ends.</summary>
    public Activity? DecodeSpan { get; set; }

    public void Append(int tokenId)
    {
        if (_generated.Count == 0)
        {
            FirstTokenTimestamp = Stopwatch.GetTimestamp();
        }

        _generated.Add(tokenId);
        Sampling.Record(tokenId);
    }
}
