using System.Diagnostics;
using Herd.Node.Adapters;
using Herd.Node.Engine;
using Herd.Node.Experts;
using Herd.Node.Telemetry;
using Microsoft.Extensions.Options;

namespace Herd.Node.Serving;

/// <summary>
/// The models the node serves. It loads <see cref="NodeOptions.Model"/> when the node starts
/// (before the node reports itself started, so a model that cannot be served stops the node with
/// the loader's message); afterwards models of the node's catalog (<see cref="NodeOptions.Model"/>
/// and <see cref="NodeOptions.Catalog"/>) are loaded, unloaded and switched on command, one change
/// at a time. A model that fails to load leaves the node serving what it had.
/// </summary>
public sealed partial class ModelHost(
    IOptions<NodeOptions> nodeOptions,
    IOptions<EngineOptions> engineOptions,
    IOptions<AdapterOptions> adapterOptions,
    IOptions<ExpertOptions> expertOptions,
    EngineMetrics metrics,
    ILoggerFactory loggerFactory,
    ILogger<ModelHost> logger) : IHostedService, IAsyncDisposable
{
    private readonly SemaphoreSlim _changing = new(1, 1);
    private volatile IReadOnlyList<Loaded> _loaded = [];
    private volatile LoadingModel? _loading;

    /// <summary>Raised when what the node announces changed: a model loaded or unloaded, or a model's experts.</summary>
    public event Action? AnnouncementChanged;

    /// <summary>The models the node serves now, the first loaded first.</summary>
    public IReadOnlyList<ServedModel> Models => [.. _loaded.Select(loaded => loaded.Model)];

    /// <summary>The first model the node serves; throws before the node has started.</summary>
    public ServedModel Model => _loaded is [var first, ..] ? first.Model : throw new InvalidOperationException("No model is loaded.");

    public bool IsLoaded => _loaded.Count > 0;

    /// <summary>Sequences the engine runs at once: the node's slots.</summary>
    public int Slots => engineOptions.Value.MaxSequences;

    /// <summary>The model being loaded now and since when; null when none is.</summary>
    public LoadingModel? Loading => _loading;

    /// <summary>The models the node may load: its first model and its catalog.</summary>
    public IReadOnlyList<string> Catalog => [.. new[] { nodeOptions.Value.Model }.Concat(nodeOptions.Value.Catalog).Distinct(StringComparer.Ordinal)];

    public ServedModel? Find(string name) => _loaded.FirstOrDefault(loaded => loaded.Model.Name == name)?.Model;

    /// <summary>A hold on the model named <paramref name="name"/> (empty: the first) for one job; null when the node does not serve it now.</summary>
    public ModelLease? TryLease(string name)
    {
        var all = _loaded;
        var loaded = name.Length == 0 ? (all.Count > 0 ? all[0] : null) : all.FirstOrDefault(candidate => candidate.Model.Name == name);
        return loaded is not null && loaded.Jobs.TryEnter() ? new ModelLease(loaded.Model, loaded.Jobs) : null;
    }

    public async Task StartAsync(CancellationToken cancellationToken) => Add(await LoadModelAsync(nodeOptions.Value.Model, cancellationToken));

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Loads a model of the catalog beside those the node serves; nothing when it serves it already.</summary>
    /// <exception cref="ModelChangeException">Not in the catalog, another change under way, or the load failed.</exception>
    public async Task LoadAsync(string name, CancellationToken cancellationToken)
    {
        await ChangeAsync(async () =>
        {
            if (Find(name) is null)
            {
                Add(await LoadFromCatalogAsync(name, cancellationToken));
            }
        });
    }

    /// <summary>Stops taking jobs for the model, waits for its running ones (<see cref="NodeOptions.DrainTimeout"/>; then ends them), and frees it.</summary>
    /// <exception cref="ModelChangeException">Not loaded, the node's last model, or another change under way.</exception>
    public Task UnloadAsync(string name, CancellationToken cancellationToken) => ChangeAsync(() => RemoveAsync(name));

    /// <summary>Loads <paramref name="to"/>, then unloads <paramref name="from"/>; when the load fails the node keeps <paramref name="from"/>.</summary>
    /// <exception cref="ModelChangeException">A model is not in the catalog or not loaded, another change under way, or the load failed.</exception>
    public async Task SwitchAsync(string from, string to, CancellationToken cancellationToken)
    {
        await ChangeAsync(async () =>
        {
            if (Find(from) is null)
            {
                throw new ModelChangeException(ModelChangeProblem.NotFound, $"This node does not serve {from}; it serves {string.Join(", ", Models.Select(model => model.Name))}.");
            }

            if (Find(to) is null)
            {
                Add(await LoadFromCatalogAsync(to, cancellationToken));
            }

            if (from != to)
            {
                await RemoveAsync(from);
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var loaded in Interlocked.Exchange(ref _loaded, []))
        {
            loaded.Jobs.Dispose();
            await loaded.Model.DisposeAsync();
        }

        _changing.Dispose();
    }

    private async Task ChangeAsync(Func<Task> change)
    {
        if (!await _changing.WaitAsync(TimeSpan.Zero))
        {
            throw new ModelChangeException(ModelChangeProblem.Busy, $"This node is already changing its models{(_loading is { } loading ? $" (loading {loading.Model})" : "")}; try again when it is done.");
        }

        try
        {
            await change();
        }
        finally
        {
            _changing.Release();
        }
    }

    private Task<ServedModel> LoadFromCatalogAsync(string name, CancellationToken cancellationToken)
    {
        if (!Catalog.Contains(name, StringComparer.Ordinal))
        {
            throw new ModelChangeException(ModelChangeProblem.NotFound, $"{name} is not in this node's catalog ({string.Join(", ", Catalog)}); add it to Herd:Node:Catalog.");
        }

        return LoadModelAsync(name, cancellationToken);
    }

    private async Task<ServedModel> LoadModelAsync(string name, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var options = new ServedModelOptions
        {
            Device = nodeOptions.Value.Device,
            Threads = nodeOptions.Value.Threads,
            Engine = engineOptions.Value,
            Adapters = adapterOptions.Value,
            Experts = expertOptions.Value,
        };
        LogLoading(name);
        var loading = new LoadingModel(name, DateTimeOffset.UtcNow, percent => LogLoadProgress(name, percent));
        _loading = loading;
        try
        {
            // Loading reads and converts every weight; keep it off the caller's thread.
            var model = await Task.Run(() => ServedModel.Load(name, options, loggerFactory, metrics, loading), cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started);
            metrics.RecordModelLoad(elapsed);
            LogLoaded(model.Name, model.Device, model.Engine.ContextLength, Slots, elapsed.TotalSeconds);
            return model;
        }
        catch (Exception error) when (_loaded.Count > 0 && error is not OperationCanceledException)
        {
            // Only a change fails softly: at start the node has nothing to serve without it.
            LogLoadFailed(name, error);
            throw new ModelChangeException(ModelChangeProblem.LoadFailed, $"{name} could not be loaded: {error.Message}", error);
        }
        finally
        {
            _loading = null;
        }
    }

    private void Add(ServedModel model)
    {
        model.ExpertsChanged += OnExpertsChanged;
        _loaded = [.. _loaded, new Loaded(model, new ModelJobs())];
        AnnouncementChanged?.Invoke();
    }

    private async Task RemoveAsync(string name)
    {
        var loaded = _loaded.FirstOrDefault(candidate => candidate.Model.Name == name)
            ?? throw new ModelChangeException(ModelChangeProblem.NotFound, $"This node does not serve {name}; it serves {string.Join(", ", Models.Select(model => model.Name))}.");
        if (_loaded.Count == 1)
        {
            throw new ModelChangeException(ModelChangeProblem.LastModel, $"{name} is the only model this node serves; switch it to another instead.");
        }

        // Announced first, so that gateways stop sending its jobs; any that still come go back to the queue.
        _loaded = [.. _loaded.Where(candidate => candidate != loaded)];
        loaded.Model.ExpertsChanged -= OnExpertsChanged;
        AnnouncementChanged?.Invoke();
        LogUnloading(name, loaded.Jobs.Running, nodeOptions.Value.DrainTimeout.TotalSeconds);
        if (!await loaded.Jobs.CloseAsync(nodeOptions.Value.DrainTimeout))
        {
            LogEndingJobs(name, loaded.Jobs.Running);
            await loaded.Jobs.EndRemainingAsync(TimeSpan.FromSeconds(10));
        }

        loaded.Jobs.Dispose();
        await loaded.Model.DisposeAsync();
        LogUnloaded(name);
    }

    private void OnExpertsChanged() => AnnouncementChanged?.Invoke();

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading model {Model}")]
    private partial void LogLoading(string model);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading model {Model}: {Percent} % of its weights read")]
    private partial void LogLoadProgress(string model, int percent);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded model {Model} on {Device}: context {ContextLength} tokens, {Slots} slots, in {Seconds:F1} s")]
    private partial void LogLoaded(string model, ComputeDevice device, int contextLength, int slots, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {Model} could not be loaded; the node keeps serving what it had")]
    private partial void LogLoadFailed(string model, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unloading model {Model}: taking no new jobs for it, waiting up to {Seconds:F0} s for its {Running} running ones")]
    private partial void LogUnloading(string model, int running, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} still runs {Running} jobs after the drain timeout; ending them (UNAVAILABLE)")]
    private partial void LogEndingJobs(string model, int running);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unloaded model {Model}")]
    private partial void LogUnloaded(string model);

    private sealed record Loaded(ServedModel Model, ModelJobs Jobs);
}

/// <summary>A model the node is loading: since when, and how much of its weights it has read.</summary>
/// <param name="tenth">told each time another tenth of the weights has been read, in percent</param>
public sealed class LoadingModel(string model, DateTimeOffset since, Action<int>? tenth = null) : IProgress<double>
{
    private double _done;
    private int _tenths;

    public string Model => model;

    public DateTimeOffset Since => since;

    /// <summary>The share of the weights read so far, 0 to 1.</summary>
    public double Done => Volatile.Read(ref _done);

    /// <summary>Called by the loading thread after each tensor.</summary>
    public void Report(double value)
    {
        Volatile.Write(ref _done, value);
        var tenths = (int)(value * 10);
        if (tenths > _tenths)
        {
            _tenths = tenths;
            tenth?.Invoke(tenths * 10);
        }
    }
}
