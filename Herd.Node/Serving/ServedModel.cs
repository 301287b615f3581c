using System.Runtime.CompilerServices;
using Herd.Node.Adapters;
using Herd.Node.Engine;
using Herd.Node.Experts;
using Herd.Node.Kernels;
using Herd.Node.Model;
using Herd.Node.Model.Lora;
using Herd.Node.Models;
using Herd.Node.Telemetry;
using Herd.Node.Tokenization;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Serving;

/// <summary>
/// One model ready to serve: its config, tokenizer, weights and engine. Prompts are tokenized
/// and chats rendered here, beside the engine thread, so the engine loop only sees token ids.
/// </summary>
public sealed partial class ServedModel : IAsyncDisposable
{
    private readonly CausalLanguageModel _model;
    private readonly ExpertOptions _expertOptions;
    private volatile ExpertRegistry _experts = ExpertRegistry.Empty;

    private ServedModel(string name, ModelConfig config, GenerationConfig generation, ModelTokenizer tokenizer, CausalLanguageModel model, EngineLoop engine, ComputeDevice device, AdapterStore adapters, ExpertOptions expertOptions)
    {
        Name = name;
        Config = config;
        Tokenizer = tokenizer;
        _model = model;
        Engine = engine;
        Device = device;
        Adapters = adapters;
        _expertOptions = expertOptions;
        DefaultSampling = Defaults(generation);
    }

    public string Name { get; }

    public ModelConfig Config { get; }

    public ModelTokenizer Tokenizer { get; }

    public EngineLoop Engine { get; }

    public ComputeDevice Device { get; }

    /// <summary>The LoRA adapters requests may run with, and those in memory.</summary>
    public AdapterStore Adapters { get; }

    /// <summary>The experts routed requests choose among.</summary>
    public ExpertRegistry Experts
    {
        get => _experts;
        private set => _experts = value;
    }

    /// <summary>Sampling as the model's generation_config.json recommends; requests override fields with <c>with</c>.</summary>
    public SamplingParameters DefaultSampling { get; }

    /// <summary>Above 0, the benchmark engine answers instead of the model (see <see cref="EngineOptions.SyntheticTokensPerSecond"/>).</summary>
    public double SyntheticTokensPerSecond { get; private init; }

    /// <summary>True when decode steps can run as one native call (see <see cref="CausalLanguageModel.HasDecodeKernel"/>).</summary>
    public bool HasDecodeKernel => _model.HasDecodeKernel;

    /// <summary>Whether they do (see <see cref="CausalLanguageModel.UseDecodeKernel"/>); turned off only to compare the two paths.</summary>
    public bool UseDecodeKernel
    {
        get => _model.UseDecodeKernel;
        set => _model.UseDecodeKernel = value;
    }

    public long ParameterCount => _model.ParameterCount;

    public long WeightBytes => _model.parameters().Sum(parameter => parameter.numel() * parameter.ElementSize);

    /// <summary>Loads a model named as users name it: a snapshot folder, or a built-in model generated into <see cref="ModelLocator.DefaultCacheFolder"/> on first use.</summary>
    /// <exception cref="DirectoryNotFoundException">No folder or built-in model has that name.</exception>
    /// <exception cref="ModelLoadException">The folder cannot be served; the message names what is wrong.</exception>
    /// <param name="metrics">Where the engine records what it does; null records nothing.</param>
    /// <param name="progress">told the share of the weights read so far (0 to 1)</param>
    public static ServedModel Load(string model, ServedModelOptions options, ILoggerFactory loggerFactory, EngineMetrics? metrics = null, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var folder = new ModelLocator(ModelLocator.DefaultCacheFolder, loggerFactory.CreateLogger<ModelLocator>()).Locate(model);
        return Load(model, folder, options, loggerFactory, metrics, progress);
    }

    /// <exception cref="ModelLoadException">The folder cannot be served; the message names what is wrong.</exception>
    /// <param name="progress">told the share of the weights read so far (0 to 1)</param>
    public static ServedModel Load(string name, string folder, ServedModelOptions options, ILoggerFactory loggerFactory, EngineMetrics? metrics = null, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var config = ModelConfig.Load(folder);
        var generation = GenerationConfig.Load(folder);
        var tokenizer = ModelTokenizer.Load(folder);
        if (tokenizer.VocabSize > config.VocabSize)
        {
            throw new ModelLoadException(
                $"{folder}: the tokenizer has {tokenizer.VocabSize} tokens but the model only {config.VocabSize} (vocab_size); they do not belong together.");
        }

        var device = ComputeDevice.Select(options.Device, options.Threads);
        var contextLength = options.Engine.MaxContextLength > 0
            ? Math.Min(options.Engine.MaxContextLength, config.ContextLength)
            : config.ContextLength;
        var dtype = device.DTypeFor(options.Engine.DType);
        var storage = StorageFor(options.Engine.Weights, dtype, device);
        var model = ModelLoader.Load(folder, config, contextLength, dtype, device.Device, storage, progress);
        if (storage is not null)
        {
            var (logger, error) = (loggerFactory.CreateLogger<ServedModel>(), model.WeightError.RelativeRms);
            LogWeights(logger, name, options.Engine.Weights, error);
        }

        var adapters = new AdapterStore(options.Adapters, config, model.DType, model.Device, loggerFactory.CreateLogger<AdapterStore>(), metrics);
        adapters.Preload();
        HashSet<int> endOfSequence = [.. config.EosTokenId, .. generation.EosTokenId, .. tokenizer.EosTokenIds];
        var engine = new EngineLoop(model, options.Engine, tokenizer.CreateDetokenizer, endOfSequence, loggerFactory.CreateLogger<EngineLoop>(), metrics);
        if (options.Engine.SyntheticTokensPerSecond > 0)
        {
            LogSynthetic(loggerFactory.CreateLogger<ServedModel>(), name, options.Engine.SyntheticTokensPerSecond);
        }

        var served = new ServedModel(name, config, generation, tokenizer, model, engine, device, adapters, options.Experts) { SyntheticTokensPerSecond = options.Engine.SyntheticTokensPerSecond };
        // Centroids from samples are embedded by the model itself, so the engine runs first.
        served._expertsLogger = loggerFactory.CreateLogger<ExpertRegistry>();
        served.Experts = ExpertRegistry.Load(options.Experts, adapters.Names, config.HiddenSize, texts => served.EmbedForRoutingAsync(texts).GetAwaiter().GetResult(), served._expertsLogger);
        return served;
    }

    /// <summary>
    /// Embeds texts the way the node routes prompts (<see cref="ExpertOptions.Embedding"/>): the
    /// space expert centroids live in.
    /// </summary>
    public async Task<float[][]> EmbedForRoutingAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (_expertOptions.Embedding == RoutingEmbedding.Hidden)
        {
            var result = await EmbedAsync("routing", texts, cancellationToken);
            // A cancelled job has no vectors: the request it routes for is over too.
            cancellationToken.ThrowIfCancellationRequested();
            return result.Reason == FinishReason.Stop ? [.. result.Vectors] : throw new OperationCanceledException("Embedding for routing was cancelled.");
        }

        return [.. texts.Select(text => _model.MeanInputEmbedding(Tokenizer.Encode(text)))];
    }

    /// <summary>
    /// Tokenizes (or renders and tokenizes) the input and streams what the engine generates. With
    /// <paramref name="adapters"/>, the first event is <see cref="AdaptersChosen"/>, and the
    /// adapters stay resident until the stream ends.
    /// </summary>
    /// <exception cref="InvalidRequestException">The input or parameters cannot be run; the message says why.</exception>
    /// <exception cref="AdapterUnavailableException">An adapter is unknown, cannot be applied, or has no room (thrown when the stream is first read).</exception>
    public IAsyncEnumerable<GenerationEvent> GenerateAsync(string requestId, PromptInput input, SamplingParameters sampling, AdapterSelection? adapters = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var tokens = Tokenizer.Encode(input.Chat is { } chat ? Render(chat) : input.Text!);
        if (SyntheticTokensPerSecond > 0)
        {
            return SyntheticGeneration.RunAsync(tokens, sampling.Validated(Config.VocabSize), SyntheticTokensPerSecond, Tokenizer, cancellationToken);
        }

        return adapters is null
            ? Engine.GenerateAsync(new GenerationRequest(requestId, tokens, sampling), cancellationToken)
            : GenerateWithAdaptersAsync(new GenerationRequest(requestId, tokens, sampling), input, adapters, cancellationToken);
    }

    private async IAsyncEnumerable<GenerationEvent> GenerateWithAdaptersAsync(GenerationRequest request, PromptInput input, AdapterSelection selection, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var chosen = await ChooseAsync(selection, input, cancellationToken);
        var leases = new List<AdapterLease>();
        try
        {
            foreach (var adapter in chosen)
            {
                leases.Add(Adapters.Acquire(adapter.Adapter));
            }

            var blend = new AdapterBlend([.. leases.Select((lease, i) => new WeightedAdapter(lease.Adapter, chosen[i].Weight))]);
            var events = Engine.GenerateAsync(request with { Adapters = blend }, cancellationToken);
            yield return new AdaptersChosen(chosen);
            await foreach (var generationEvent in events)
            {
                yield return generationEvent;
            }
        }
        finally
        {
            leases.ForEach(lease => lease.Dispose());
        }
    }

    /// <summary>The adapters a request runs with: those it names, or the experts nearest its instruction.</summary>
    private async Task<IReadOnlyList<ChosenAdapter>> ChooseAsync(AdapterSelection selection, PromptInput input, CancellationToken cancellationToken)
    {
        switch (selection)
        {
            case AdapterSelection.Named named:
                if (named.Adapters.Count == 0)
                {
                    throw new InvalidRequestException("The request names no adapter.");
                }

                return [.. named.Adapters.Select(adapter => new ChosenAdapter(adapter.Name, adapter.Weight))];
            case AdapterSelection.Routed routed:
                var candidates = Experts.All.Where(expert => routed.Allowed?.Contains(expert.Name) ?? true).ToList();
                if (candidates.Count == 0)
                {
                    throw new AdapterUnavailableException(AdapterUnavailableReason.Unknown, Experts.All.Count == 0
                        ? $"Model {Name} has no experts to route to on this node (Herd:Node:Experts:File)."
                        : $"None of model {Name}'s experts is open to this request.");
                }

                if (routed.TopExperts < 1 || routed.TopExperts > _expertOptions.MaxTopExperts)
                {
                    throw new InvalidRequestException($"top_experts is {routed.TopExperts}; it must be between 1 and {_expertOptions.MaxTopExperts} (Herd:Node:Experts:MaxTopExperts).");
                }

                var embedding = (await EmbedForRoutingAsync([RoutingText(input)], cancellationToken))[0];
                return [.. ExpertRouter.Route(embedding, candidates, routed.TopExperts, _expertOptions.Temperature)
                    .Select(choice => new ChosenAdapter(choice.Expert.Adapter, choice.Weight, choice.Expert.Name, choice.Distance))];
            default:
                throw new ArgumentOutOfRangeException(nameof(selection), selection, "Unknown adapter selection.");
        }
    }

    /// <summary>What a prompt is routed by: the plain prompt, or a chat's last user message (its instruction, without the template around it).</summary>
    private static string RoutingText(PromptInput input) =>
        input.Chat is { } chat
            ? chat.LastOrDefault(turn => turn.Role == "user")?.Content ?? chat[^1].Content
            : input.Text!;

    /// <summary>
    /// Tokenizes each text as a prompt is tokenized and embeds it: the mean of the model's last
    /// hidden states over the text's tokens, L2-normalised, <see cref="ModelConfig.HiddenSize"/>
    /// values. Several texts run together in the engine's passes.
    /// </summary>
    /// <exception cref="InvalidRequestException">There are no texts or too many, or a text is empty or longer than the context; the message names the text.</exception>
    public Task<EmbeddingResult> EmbedAsync(string requestId, IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        // Before any tokenizing, so a job of a million texts costs nothing to refuse.
        EmbeddingRequest.RequireTextCount(texts.Count);
        var tokens = new IReadOnlyList<int>[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            if (texts[i].Length == 0)
            {
                throw new InvalidRequestException($"texts[{i}] is empty: each text to embed needs at least one character.");
            }

            tokens[i] = Tokenizer.Encode(texts[i]);
        }

        var request = new EmbeddingRequest(requestId, tokens);
        return SyntheticTokensPerSecond > 0
            ? Task.FromResult(SyntheticEmbeddings.Compute(request.Validated(Engine.ContextLength, Config.VocabSize), Config.HiddenSize, cancellationToken))
            : Engine.EmbedAsync(request, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        Adapters.Dispose();
        _model.Dispose();
        _expertsUpdate.Dispose();
    }

    private string Render(IReadOnlyList<ChatTurn> chat)
    {
        if (Tokenizer.ChatTemplate is not { } template)
        {
            throw new InvalidRequestException($"Model {Name} has no chat template (tokenizer_config.json has none): send a plain prompt instead of chat messages.");
        }

        try
        {
            return template.Render(chat, addGenerationPrompt: true);
        }
        catch (UnsupportedChatTemplateException error)
        {
            throw new InvalidRequestException($"Model {Name}: {error.Message}", error);
        }
        catch (ArgumentException error)
        {
            throw new InvalidRequestException($"Model {Name} cannot render these chat messages: {error.Message}", error);
        }
    }

    private static SamplingParameters Defaults(GenerationConfig generation)
    {
        var defaults = new SamplingParameters();
        return defaults with
        {
            // Authors who set do_sample false intend greedy decoding.
            Temperature = generation.DoSample == false ? 0 : generation.Temperature ?? defaults.Temperature,
            TopK = generation.TopK ?? defaults.TopK,
            TopP = generation.TopP ?? defaults.TopP,
            MinP = generation.MinP ?? defaults.MinP,
            RepetitionPenalty = generation.RepetitionPenalty ?? defaults.RepetitionPenalty,
        };
    }

    /// <summary>The storage <c>Herd:Node:Engine:Weights</c> asks for; null for the fastest the device has.</summary>
    /// <exception cref="ModelLoadException">A narrower format where the native kernels cannot run.</exception>
    private static WeightStorage? StorageFor(string weights, ScalarType dtype, ComputeDevice device)
    {
        WeightStorage? storage = weights switch
        {
            "bf16" => WeightStorage.PackedBFloat16,
            "q8" => WeightStorage.PackedInt8,
            _ => null,
        };
        if (storage is not null && (!NativeKernels.IsAvailable || dtype != ScalarType.Float32 || device.Device.type != DeviceType.CPU))
        {
            throw new ModelLoadException(
                $"Herd:Node:Engine:Weights={weights} stores weights for Herd's native CPU kernels, which need float32 compute on a CPU ({NativeKernels.UnavailableReason ?? $"this model runs {dtype} on {device}"}); use auto.");
        }

        return storage;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Model}: weights stored as {Format} for the native kernels, relative RMS error against float32 {Error:P3}")]
    private static partial void LogWeights(ILogger logger, string model, string format, double error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "BENCHMARK MODE: {Model} is not run; every sequence gets made-up tokens at {Rate} tokens/s (Herd:Node:Engine:SyntheticTokensPerSecond)")]
    private static partial void LogSynthetic(ILogger logger, string model, double rate);
}
