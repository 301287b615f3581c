using Herd.Node.Engine;
using Herd.Node.Kernels;
using Herd.Node.Model.Lora;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Herd.Node.Model;

/// <summary>
/// A Llama-family decoder with its language-model head (<c>LlamaForCausalLM</c>,
/// <c>MistralForCausalLM</c>, <c>Qwen2ForCausalLM</c>). It turns token ids into next-token
/// logits, or into its last hidden states for embeddings; it knows nothing of requests, only of
/// the positions and cache slots it is given.
/// </summary>
public sealed class CausalLanguageModel : nn.Module
{
    private readonly ProjectionWeight _embedTokens;
    private readonly ModuleList<DecoderLayer> _layers;
    private readonly RmsNorm _norm;
    private readonly ProjectionWeight _lmHead;
    private readonly DecodeKernel? _decodeKernel;

    /// <param name="storage">
    /// The form projections are stored in; null: the fastest for the device.
    /// <see cref="WeightStorage.Standard"/> keeps every product in libtorch, where autograd
    /// differentiates it (fine-tuning adapters needs that).
    /// </param>
    public CausalLanguageModel(ModelConfig config, WeightSource weights, int maxPositions, ScalarType dtype, Device device, WeightStorage? storage = null)
        : base(nameof(CausalLanguageModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        Config = config;
        MaxPositions = maxPositions;
        DType = dtype;
        // Tied models use the embedding matrix as the output projection too, so it is stored in
        // the form products are fastest in; lookups read its rows from any form.
        var embedTokens = weights("model.embed_tokens.weight");
        _embedTokens = config.TieWordEmbeddings ? ProjectionWeight.Create(embedTokens, storage) : ProjectionWeight.Create(embedTokens, WeightStorage.Standard);
        _layers = new ModuleList<DecoderLayer>(Enumerable.Range(0, config.NumHiddenLayers)
            .Select(layer => new DecoderLayer($"model.layers.{layer}", layer, config, weights, storage))
            .ToArray());
        _norm = new RmsNorm("model.norm", weights, config.RmsNormEps);
        _lmHead = config.TieWordEmbeddings ? _embedTokens : ProjectionWeight.Create(weights("lm_head.weight"), storage);
        Rotary = new RotaryEmbedding(config, maxPositions, dtype, device);

        register_parameter("embed_tokens", _embedTokens.Stored);
        register_module("layers", _layers);
        register_module("norm", _norm);
        if (!config.TieWordEmbeddings)
        {
            register_parameter("lm_head", _lmHead.Stored);
        }

        _decodeKernel = CreateDecodeKernel();
    }

    /// <summary>
    /// Whether decode steps of sequences without adapters run as one native call
    /// (<see cref="DecodeKernel"/>) where the model can: float32 on a CPU with the native kernels.
    /// On by default; off, every step runs layer by layer on libtorch (to compare the two).
    /// </summary>
    public bool UseDecodeKernel { get; set; } = true;

    /// <summary>The model's parameters, each matrix counted by its [out, in] whatever form it is stored in.</summary>
    public long ParameterCount
    {
        get
        {
            var matrices = Matrices.ToList();
            var stored = matrices.Select(matrix => matrix.Stored.Handle).ToHashSet();
            return parameters().Where(parameter => !stored.Contains(parameter.Handle)).Sum(parameter => parameter.numel())
                + matrices.Sum(matrix => matrix.OutFeatures * matrix.InFeatures);
        }
    }

    /// <summary>How far the stored matrices are from their float32 values, over all of them (zero unless stored narrower).</summary>
    public WeightError WeightError => Matrices.Aggregate(default(WeightError), (sum, matrix) => sum + matrix.Error);

    // Every projection and the output head (the embedding too, when tied to it).
    private IEnumerable<ProjectionWeight> Matrices => _layers.SelectMany(layer => layer.Projections).Append(_lmHead);

    /// <summary>True when the model's weights are in the form <see cref="DecodeKernel"/> reads.</summary>
    public bool HasDecodeKernel => _decodeKernel is not null;

    public ModelConfig Config { get; }

    public RotaryEmbedding Rotary { get; }

    /// <summary>The longest sequence this instance serves; its rotary tables and KV cache are sized for it.</summary>
    public int MaxPositions { get; }

    /// <summary>What the model computes in (and its KV cache holds), whatever form its matrices are stored in.</summary>
    public ScalarType DType { get; }

    public Device Device => _embedTokens.Stored.device;

    /// <summary>The context for a prompt chunk of the sequence in <paramref name="slot"/>, with its adapters if it has any.</summary>
    public ForwardContext PrefillContext(KvCache cache, int slot, int start, int length, AdapterBlend? adapters = null) =>
        ForwardContext.Prefill(cache, Rotary, slot, start, length, adapters);

    /// <summary>The context for one decode token of each sequence in slots 0..positions.Length-1, with their adapters in slot order if any has one.</summary>
    public ForwardContext DecodeContext(KvCache cache, ReadOnlySpan<long> positions, IReadOnlyList<AdapterBlend?>? adapters = null) =>
        ForwardContext.Decode(cache, Rotary, positions, adapters);

    /// <summary>The context for whole texts, <paramref name="batch"/> of them padded to <paramref name="tokens"/>, that no cache keeps; all with <paramref name="adapters"/> if given.</summary>
    public ForwardContext EncodeContext(int batch, int tokens, AdapterBlend? adapters = null) =>
        ForwardContext.Encode(Config, Rotary, batch, tokens, DType, Device, adapters);

    /// <summary>Runs the model over a prefill chunk or a decode step.</summary>
    /// <param name="inputIds">[batch, tokens] int64</param>
    /// <param name="lastTokenOnly">Compute logits for each sequence's last token only (all generation needs).</param>
    /// <returns>[batch, tokens or 1, vocab] logits</returns>
    public Tensor Forward(Tensor inputIds, ForwardContext context, bool lastTokenOnly)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(context);
        if (UseDecodeKernel && _decodeKernel is not null && context is { DecodePositions: { } positions, Adapters: null, Cache: { DType: ScalarType.Float32 } cache })
        {
            return DecodeStep(inputIds, positions, cache, _decodeKernel);
        }

        using var scope = NewDisposeScope();
        var tokens = inputIds.shape[1];
        // [batch, tokens, hidden]
        var hidden = Decoder(inputIds, context);
        if (lastTokenOnly && tokens > 1)
        {
            hidden = hidden.narrow(1, tokens - 1, 1);
        }

        var logits = _lmHead.Apply(_norm.Forward(hidden), bias: null);
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>The last hidden states: the final norm's output, which the language-model head would turn into logits.</summary>
    /// <param name="inputIds">[batch, tokens] int64</param>
    /// <returns>[batch, tokens, hidden] in the model's dtype</returns>
    public Tensor HiddenStates(Tensor inputIds, ForwardContext context)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(context);
        using var scope = NewDisposeScope();
        return _norm.Forward(Decoder(inputIds, context)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The mean of the input embeddings of <paramref name="tokens"/>, L2-normalised: a text's
    /// embedding from the token table alone, without running the model.
    /// </summary>
    /// <returns>Hidden-size values in float32.</returns>
    public float[] MeanInputEmbedding(IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        using var scope = NewDisposeScope();
        var ids = tensor(tokens.Select(token => (long)token).ToArray(), dtype: int64, device: Device);
        var mean = _embedTokens.Rows(ids).to(float32).mean([0]);
        return nn.functional.normalize(mean, p: 2, dim: 0).cpu().data<float>().ToArray();
    }

    /// <param name="inputIds">[batch, 1] int64</param>
    /// <returns>[batch, 1, vocab] logits</returns>
    private static Tensor DecodeStep(Tensor inputIds, long[] positions, KvCache cache, DecodeKernel kernel)
    {
        if (inputIds.shape is not [var batch, 1] || batch != positions.Length || inputIds.dtype != int64)
        {
            throw new ArgumentException($"Expected int64 token ids of [{positions.Length}, 1] for a decode step, got {inputIds.dtype} [{string.Join(", ", inputIds.shape)}].", nameof(inputIds));
        }

        var tokens = inputIds.data<long>().ToArray();
        var logits = empty([positions.Length, 1, kernel.Vocab], float32);
        kernel.Step(tokens, positions, cache.AllKeys, cache.AllValues, logits);
        return logits;
    }

    private DecodeKernel? CreateDecodeKernel()
    {
        var layers = _layers.Select(layer => layer.DecodeWeights()).ToList();
        if (layers.Any(layer => layer is null) || !_lmHead.IsPacked || _embedTokens.Storage == WeightStorage.Transposed)
        {
            return null;
        }

        var weights = new DecodeModelWeights(
            Config.HiddenSize, Config.NumAttentionHeads, Config.KeyValueHeads, Config.HeadDimension, Config.IntermediateSize, (int)_lmHead.OutFeatures, Config.RmsNormEps,
            _embedTokens.Stored, _embedTokens.IsPacked, _norm.Weight, _lmHead.Stored, Rotary.CosTable, Rotary.SinTable, layers!);
        return DecodeKernel.CanDescribe(weights) ? DecodeKernel.Describe(weights) : null;
    }

    /// <param name="inputIds">[batch, tokens] int64</param>
    /// <returns>[batch, tokens, hidden]: the decoder layers' output, before the final norm</returns>
    private Tensor Decoder(Tensor inputIds, ForwardContext context)
    {
        var (batch, tokens) = (inputIds.shape[0], inputIds.shape[1]);
        // [batch, tokens, hidden]
        var hidden = _embedTokens.Rows(inputIds.reshape(-1)).view(batch, tokens, -1);
        foreach (var layer in _layers)
        {
            hidden = layer.Forward(hidden, context);
        }

        return hidden;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Rotary.Dispose();
            _decodeKernel?.Dispose();
        }

        base.Dispose(disposing);
    }
}
