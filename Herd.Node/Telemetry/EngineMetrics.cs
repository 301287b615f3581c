using System.Diagnostics.Metrics;

namespace Herd.Node.Telemetry;

/// <summary>
/// The engine's instruments: slots, batch size per iteration, prefill, decode and embedding
/// tokens, KV cache use, model load time and resident adapters. The engine thread records counters and histograms directly (cheap)
/// and publishes its occupancy as plain numbers the gauges read, so an export never waits on
/// the engine and the engine never waits on an export.
/// </summary>
public sealed class EngineMetrics
{
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _prefillTokens;
    private readonly Counter<long> _decodeTokens;
    private readonly Counter<long> _embeddingTokens;
    private readonly Histogram<double> _modelLoad;
    private readonly Counter<long> _adapterLoads;
    private readonly Counter<long> _adapterEvictions;
    private int _slots;
    private int _residentAdapters;
    private long _adapterBytes;
    private int _active;
    private double _kvCacheUsed;

    public EngineMetrics(IMeterFactory meters)
    {
        var meter = NodeTelemetry.CreateMeter(meters);
        _batchSize = meter.CreateHistogram<int>("herd.node.batch.size", "{sequence}", "Sequences run in one engine iteration, prefilling and decoding.");
        _prefillTokens = meter.CreateCounter<long>("herd.node.prefill.tokens", "{token}", "Prompt tokens run through the model; its rate is prefill tokens per second.");
        _decodeTokens = meter.CreateCounter<long>("herd.node.decode.tokens", "{token}", "Tokens generated; its rate is decode tokens per second.");
        _embeddingTokens = meter.CreateCounter<long>("herd.node.embedding.tokens", "{token}", "Tokens of texts embedded, padding not counted; its rate is embedding tokens per second.");
        _modelLoad = meter.CreateHistogram<double>("herd.node.model.load.duration", "s", "Time to load the model and start its engine.");
        meter.CreateObservableGauge("herd.node.slots.active", () => Volatile.Read(ref _active), "{slot}", "Sequences in the running batch.");
        meter.CreateObservableGauge("herd.node.slots.free", () => Math.Max(0, Volatile.Read(ref _slots) - Volatile.Read(ref _active)), "{slot}", "Slots free for another sequence.");
        _adapterLoads = meter.CreateCounter<long>("herd.node.adapters.loads", "{adapter}", "LoRA adapters loaded into memory, at start or when a request first needed them.");
        _adapterEvictions = meter.CreateCounter<long>("herd.node.adapters.evictions", "{adapter}", "Resident LoRA adapters dropped to make room for another.");
        meter.CreateObservableGauge("herd.node.adapters.resident", () => Volatile.Read(ref _residentAdapters), "{adapter}", "LoRA adapters in memory.");
        meter.CreateObservableGauge("herd.node.adapters.memory", () => Volatile.Read(ref _adapterBytes), "By", "Memory the resident LoRA adapters hold.");
        meter.CreateObservableGauge("herd.node.kv_cache.used", () => Volatile.Read(ref _kvCacheUsed), "1", "The fraction of KV cache positions holding a running sequence's keys and values.");
    }

    /// <summary>One engine iteration: how many sequences it ran and their tokens, and the tokens of the texts it embedded.</summary>
    public void RecordIteration(int sequences, int prefillTokens, int decodeTokens, int embeddingTokens = 0)
    {
        if (embeddingTokens > 0)
        {
            _embeddingTokens.Add(embeddingTokens);
        }

        if (sequences == 0)
        {
            // An iteration that only embedded texts ran no sequence.
            return;
        }

        _batchSize.Record(sequences);
        if (prefillTokens > 0)
        {
            _prefillTokens.Add(prefillTokens);
        }

        if (decodeTokens > 0)
        {
            _decodeTokens.Add(decodeTokens);
        }
    }

    /// <summary>The engine's occupancy now; the gauges report the latest.</summary>
    public void PublishOccupancy(int slots, int active, long cachedPositions, long cachePositions)
    {
        Volatile.Write(ref _slots, slots);
        Volatile.Write(ref _active, active);
        Volatile.Write(ref _kvCacheUsed, cachePositions > 0 ? (double)cachedPositions / cachePositions : 0);
    }

    public void RecordModelLoad(TimeSpan duration) => _modelLoad.Record(duration.TotalSeconds);

    /// <summary>An adapter was loaded (<paramref name="loaded"/>) or dropped; the gauges report the resident ones after it.</summary>
    public void RecordAdapterChange(bool loaded, int resident, long bytes)
    {
        (loaded ? _adapterLoads : _adapterEvictions).Add(1);
        Volatile.Write(ref _residentAdapters, resident);
        Volatile.Write(ref _adapterBytes, bytes);
    }
}
