using Herd.Node.Model;
using Herd.Node.Model.Lora;
using Herd.Node.Telemetry;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Herd.Node.Adapters;

/// <summary>
/// The adapters a node may apply, and those it holds in memory. An adapter is loaded on first use
/// (or at start with <see cref="AdapterOptions.Preload"/>) and stays resident until room is needed
/// for another: then the least recently used one that no running sequence holds is dropped. A
/// sequence holds its adapters through leases, so an adapter in use is never dropped under it.
/// </summary>
public sealed partial class AdapterStore : IDisposable
{
    private readonly AdapterOptions _options;
    private readonly ModelConfig _model;
    private readonly ScalarType _dtype;
    private readonly Device _device;
    private readonly ILogger _logger;
    private readonly EngineMetrics? _metrics;
    private readonly IReadOnlyDictionary<string, string> _folders;
    private readonly Dictionary<string, Resident> _resident = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _clock;

    /// <param name="metrics">where loads, evictions and the resident adapters are recorded; null records nothing</param>
    public AdapterStore(AdapterOptions options, ModelConfig model, ScalarType dtype, Device device, ILogger<AdapterStore> logger, EngineMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _model = model;
        _dtype = dtype;
        _device = device;
        _logger = logger;
        _metrics = metrics;
        _folders = Discover(options.Folder);
    }

    /// <summary>The names of every adapter the node may apply, resident or not.</summary>
    public IReadOnlyList<string> Names => [.. _folders.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The adapters in memory now, with their sizes and how many sequences hold each.</summary>
    public IReadOnlyList<(string Name, long Bytes, int Leases)> InMemory
    {
        get
        {
            lock (_lock)
            {
                return [.. _resident.Values.Select(resident => (resident.Adapter.Name, resident.Adapter.Bytes, resident.Leases))];
            }
        }
    }

    public long ResidentBytes
    {
        get
        {
            lock (_lock)
            {
                return _resident.Values.Sum(resident => resident.Adapter.Bytes);
            }
        }
    }

    /// <summary>Loads adapters at start when the options ask for it, as many as may be resident.</summary>
    public void Preload()
    {
        if (!_options.Preload)
        {
            return;
        }

        foreach (var name in Names.Take(_options.MaxResident))
        {
            Acquire(name).Dispose();
        }
    }

    /// <summary>Holds the adapter for one sequence, loading it first if it is not resident.</summary>
    /// <exception cref="AdapterUnavailableException">No adapter has that name, its files cannot be applied, or there is no room for it.</exception>
    public AdapterLease Acquire(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        // Loading under the lock keeps one load per adapter and a simple account of memory; an
        // adapter is a few MiB, read in milliseconds.
        lock (_lock)
        {
            if (!_resident.TryGetValue(name, out var resident))
            {
                resident = new Resident(Load(name));
                MakeRoom(resident.Adapter);
                _resident.Add(name, resident);
                _metrics?.RecordAdapterChange(loaded: true, _resident.Count, _resident.Values.Sum(held => held.Adapter.Bytes));
            }

            resident.Leases++;
            resident.LastUsed = ++_clock;
            return new AdapterLease(resident.Adapter, () => Release(resident));
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var resident in _resident.Values)
            {
                resident.Adapter.Dispose();
            }

            _resident.Clear();
        }
    }

    private LowRankAdapter Load(string name)
    {
        if (!_folders.TryGetValue(name, out var folder))
        {
            var known = _folders.Count == 0 ? "it has none (Herd:Node:Adapters:Folder)" : "it has " + string.Join(", ", Names);
            throw new AdapterUnavailableException(AdapterUnavailableReason.Unknown, $"This node has no adapter '{name}': {known}.");
        }

        try
        {
            var adapter = PeftAdapter.Load(folder, name, _model, _dtype, _device);
            LogLoaded(name, adapter.Bytes / (1024.0 * 1024.0));
            return adapter;
        }
        catch (AdapterLoadException error)
        {
            LogLoadFailed(name, error.Message);
            throw new AdapterUnavailableException(AdapterUnavailableReason.Invalid, $"Adapter '{name}' cannot be applied to this model: {error.Message}", error);
        }
    }

    /// <summary>Drops least recently used, unheld adapters until <paramref name="incoming"/> fits; drops it instead when nothing can go.</summary>
    private void MakeRoom(LowRankAdapter incoming)
    {
        var byteLimit = (long)_options.MaxResidentMegabytes * 1024 * 1024;
        if (incoming.Bytes > byteLimit)
        {
            incoming.Dispose();
            throw new AdapterUnavailableException(AdapterUnavailableReason.NoRoom,
                $"Adapter '{incoming.Name}' needs {incoming.Bytes / (1024.0 * 1024.0):F1} MiB, more than all adapters may hold together ({_options.MaxResidentMegabytes} MiB, Herd:Node:Adapters:MaxResidentMegabytes).");
        }

        while (_resident.Count >= _options.MaxResident || _resident.Values.Sum(resident => resident.Adapter.Bytes) + incoming.Bytes > byteLimit)
        {
            var victim = _resident.Values.Where(resident => resident.Leases == 0).MinBy(resident => resident.LastUsed);
            if (victim is null)
            {
                incoming.Dispose();
                throw new AdapterUnavailableException(AdapterUnavailableReason.NoRoom,
                    $"Adapter '{incoming.Name}' cannot be loaded now: all {_resident.Count} resident adapters are in use by running sequences " +
                    $"(at most {_options.MaxResident} adapters and {_options.MaxResidentMegabytes} MiB, Herd:Node:Adapters). Retry when some finish.");
            }

            _resident.Remove(victim.Adapter.Name);
            victim.Adapter.Dispose();
            _metrics?.RecordAdapterChange(loaded: false, _resident.Count, _resident.Values.Sum(held => held.Adapter.Bytes));
            LogEvicted(victim.Adapter.Name);
        }
    }

    private void Release(Resident resident)
    {
        lock (_lock)
        {
            resident.Leases--;
        }
    }

    private static Dictionary<string, string> Discover(string? folder)
    {
        if (string.IsNullOrEmpty(folder))
        {
            return [];
        }

        if (!Directory.Exists(folder))
        {
            throw new AdapterLoadException($"The adapters folder {folder} (Herd:Node:Adapters:Folder) does not exist.");
        }

        return Directory.EnumerateDirectories(folder)
            .Where(path => File.Exists(Path.Combine(path, AdapterConfig.FileName)))
            .ToDictionary(path => Path.GetFileName(path), path => path, StringComparer.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded adapter {Adapter} ({MiB:F1} MiB)")]
    private partial void LogLoaded(string adapter, double miB);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Adapter {Adapter} cannot be loaded: {Problem}")]
    private partial void LogLoadFailed(string adapter, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped adapter {Adapter} from memory to make room for another")]
    private partial void LogEvicted(string adapter);

    private sealed class Resident(LowRankAdapter adapter)
    {
        public LowRankAdapter Adapter { get; } = adapter;

        public int Leases { get; set; }

        public long LastUsed { get; set; }
    }
}
