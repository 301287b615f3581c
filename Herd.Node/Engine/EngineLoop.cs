using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Herd.Node.Model;
using Herd.Node.Telemetry;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Herd.Node.Engine;

/// <summary>
/// The engine core: one dedicated thread that loops schedule, run, sample, emit. Requests come in
/// already tokenized and leave as events on their own channel, so the loop does no I/O and never
/// waits on a client.
/// </summary>
public sealed partial class EngineLoop : IAsyncDisposable
{
    private readonly BlockingCollection<EngineCommand> _commands = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Scheduler _scheduler;
    private readonly ModelRunner _runner;
    private readonly KvCache _cache;
    private readonly Func<ITextDecoder> _decoders;
    private readonly IReadOnlySet<int> _endOfSequence;
    private readonly int _vocabularySize;
    private readonly ILogger<EngineLoop> _logger;
    private readonly EngineMetrics? _metrics;
    private readonly Thread _thread;

    /// <param name="metrics">Where the engine records its iterations and occupancy; null records nothing.</param>
    public EngineLoop(CausalLanguageModel model, EngineOptions options, Func<ITextDecoder> decoders, IReadOnlySet<int> endOfSequence, ILogger<EngineLoop> logger, EngineMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ContextLength = model.MaxPositions;
        _vocabularySize = model.Config.VocabSize;
        _cache = new KvCache(model.Config, options.MaxSequences, ContextLength, model.DType, model.Device);
        _runner = new ModelRunner(model, _cache);
        _scheduler = new Scheduler(options.MaxSequences, options.MaxBatchedTokens);
        _decoders = decoders;
        _endOfSequence = endOfSequence;
        _logger = logger;
        _metrics = metrics;
        PublishOccupancy();
        _thread = new Thread(Run) { Name = "herd-engine", IsBackground = true };
        _thread.Start();
    }

    /// <summary>The longest sequence, prompt and output together, that the engine serves.</summary>
    public int ContextLength { get; }

    public long KvCacheBytes => _cache.Bytes;

    /// <summary>Runs one request; cancelling <paramref name="cancellationToken"/> ends it within one step with a Cancelled finish.</summary>
    /// <exception cref="InvalidRequestException">The prompt is empty, too long or has ids outside the vocabulary, or a parameter is out of range.</exception>
    public IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sequence = Admit(request);
        return StreamAsync(sequence, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _commands.CompleteAdding();
        _thread.Join();
        _cache.Dispose();
        _commands.Dispose();
        _stopping.Dispose();
    }

    private Sequence Admit(GenerationRequest request)
    {
        var sampling = request.Sampling.Validated(_vocabularySize);
        var prompt = request.PromptTokens;
        if (prompt.Count == 0)
        {
            throw new InvalidRequestException("The prompt is empty: give at least one token.");
        }

        if (prompt.Count >= ContextLength)
        {
            throw new InvalidRequestException(
                $"The prompt has {prompt.Count} tokens, and this model serves {ContextLength} tokens in all, prompt and output together. Shorten the prompt to at most {ContextLength - 1} tokens.");
        }

        foreach (var id in prompt)
        {
            if (id < 0 || id >= _vocabularySize)
            {
                throw new InvalidRequestException($"The prompt has token id {id}, outside the vocabulary (0 to {_vocabularySize - 1}).");
            }
        }

        var maxTokens = Math.Min(sampling.MaxTokens ?? int.MaxValue, ContextLength - prompt.Count);
        var events = Channel.CreateUnbounded<GenerationEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        // Admit runs on the caller's thread, where the caller's span (the node's job) is current.
        var sequence = new Sequence(request, maxTokens, new SamplingState(sampling, prompt), new OutputProcessor(_decoders(), sampling.Stop), events)
        {
            TraceParent = Activity.Current?.Context ?? default,
        };
        _commands.Add(new EngineCommand.Start(sequence));
        return sequence;
    }

    private async IAsyncEnumerable<GenerationEvent> StreamAsync(Sequence sequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = sequence.Events.Reader;
        using var registration = cancellationToken.Register(() => _commands.TryAdd(new EngineCommand.Cancel(sequence)));
        var finished = false;
        try
        {
            await foreach (var generationEvent in reader.ReadAllAsync(CancellationToken.None))
            {
                finished = generationEvent is GenerationFinished or GenerationFailed;
                yield return generationEvent;
            }
        }
        finally
        {
            // A caller that stops reading early gives its slot back.
            if (!finished)
            {
                _commands.TryAdd(new EngineCommand.Cancel(sequence));
            }
        }
    }
}
