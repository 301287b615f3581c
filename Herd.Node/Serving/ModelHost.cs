using System.Diagnostics;
using Herd.Node.Adapters;
using Herd.Node.Engine;
using Herd.Node.Experts;
using Herd.Node.Telemetry;
using Microsoft.Extensions.Options;

namespace Herd.Node.Serving;

/// <summary>
/// Loads the node's model when the node starts and holds it for the links to serve. Loading
/// happens before the node reports itself started, so a model that cannot be served stops the
/// node with the loader's message.
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
    private ServedModel? _model;

    /// <summary>The loaded model; throws before the node has started.</summary>
    public ServedModel Model => _model ?? throw new InvalidOperationException("The model is not loaded yet.");

    public bool IsLoaded => _model is not null;

    /// <summary>Sequences the engine runs at once: the node's slots.</summary>
    public int Slots => engineOptions.Value.MaxSequences;

    public async Task StartAsync(CancellationToken cancellationToken)
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
        // Loading reads and converts every weight; keep it off the thread that starts the host.
        var model = await Task.Run(() => ServedModel.Load(nodeOptions.Value.Model, options, loggerFactory, metrics), cancellationToken);
        try
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            metrics.RecordModelLoad(elapsed);
            LogLoaded(model.Name, model.Device, model.Engine.ContextLength, Slots, elapsed.TotalSeconds);
            _model = model;
        }
        catch
        {
            await model.DisposeAsync();
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _model, null) is { } model)
        {
            await model.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded model {Model} on {Device}: context {ContextLength} tokens, {Slots} slots, in {Seconds:F1} s")]
    private partial void LogLoaded(string model, ComputeDevice device, int contextLength, int slots, double seconds);
}
