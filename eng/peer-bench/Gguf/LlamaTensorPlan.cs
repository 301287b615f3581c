using Herd.Node.Model;
using Herd.Node.Weights;

namespace Herd.PeerBench.Gguf;

/// <summary>
/// Which GGUF tensors a Hugging Face Llama checkpoint becomes, named as llama.cpp's llama
/// architecture names them, each checked against the shape the config implies.
/// </summary>
public static class LlamaTensorPlan
{
    private static readonly (string Hf, string Gguf)[] LayerTensors =
    [
        ("input_layernorm.weight", "attn_norm.weight"),
        ("self_attn.q_proj.weight", "attn_q.weight"),
        ("self_attn.k_proj.weight", "attn_k.weight"),
        ("self_attn.v_proj.weight", "attn_v.weight"),
        ("self_attn.o_proj.weight", "attn_output.weight"),
        ("post_attention_layernorm.weight", "ffn_norm.weight"),
        ("mlp.gate_proj.weight", "ffn_gate.weight"),
        ("mlp.up_proj.weight", "ffn_up.weight"),
        ("mlp.down_proj.weight", "ffn_down.weight"),
    ];

    // The dtypes whose values float32 holds exactly or nearly: what weights are published in.
    private static readonly HashSet<SafetensorsDType> FloatDTypes = [SafetensorsDType.F32, SafetensorsDType.F16, SafetensorsDType.BF16, SafetensorsDType.F64];

    /// <exception cref="NotSupportedException">The model is not a plain Llama, or a weight is stored in a dtype that is not a float.</exception>
    /// <exception cref="Herd.Node.Model.ModelLoadException">A tensor is missing or has the wrong shape.</exception>
    public static IReadOnlyList<LlamaTensor> For(ModelConfig config, Checkpoint checkpoint, GgufWeightFormat format)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(format);
        RequirePlainLlama(config);
        var (hidden, headDim) = ((long)config.HiddenSize, (long)config.HeadDimension);
        var (queries, keyValues) = (config.NumAttentionHeads * headDim, config.KeyValueHeads * headDim);
        var plan = new List<LlamaTensor>();

        void FromCheckpoint(string source, string name, long[] shape, int rotaryHeads = 0)
        {
            RequireShape(checkpoint, source, shape);
            var type = shape.Length == 1 ? GgmlType.F32 : format.MatrixType;
            plan.Add(new LlamaTensor(new GgufTensorInfo(name, shape, type), source, rotaryHeads));
        }

        FromCheckpoint("model.embed_tokens.weight", "token_embd.weight", [config.VocabSize, hidden]);
        if (RopeFrequencyFactors.For(config) is { } factors)
        {
            plan.Add(new LlamaTensor(new GgufTensorInfo("rope_freqs.weight", [factors.Length], GgmlType.F32), Source: null, Values: factors));
        }

        long[][] layerShapes =
        [
            [hidden], [queries, hidden], [keyValues, hidden], [keyValues, hidden], [hidden, queries],
            [hidden], [config.IntermediateSize, hidden], [config.IntermediateSize, hidden], [hidden, config.IntermediateSize],
        ];
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            for (var i = 0; i < LayerTensors.Length; i++)
            {
                var (hf, gguf) = LayerTensors[i];
                var rotaryHeads = hf switch
                {
                    "self_attn.q_proj.weight" => config.NumAttentionHeads,
                    "self_attn.k_proj.weight" => config.KeyValueHeads,
                    _ => 0,
                };
                FromCheckpoint($"model.layers.{layer}.{hf}", $"blk.{layer}.{gguf}", layerShapes[i], rotaryHeads);
            }
        }

        FromCheckpoint("model.norm.weight", "output_norm.weight", [hidden]);

        // A tied head has no tensor of its own: llama.cpp reads token_embd in its place.
        if (!config.TieWordEmbeddings)
        {
            FromCheckpoint("lm_head.weight", "output.weight", [config.VocabSize, hidden]);
        }

        return plan;
    }

    private static void RequirePlainLlama(ModelConfig config)
    {
        if (config.Architecture != ModelArchitecture.Llama)
        {
            throw new NotSupportedException($"The GGUF converter writes Llama models only; this one is {config.Architecture} ({string.Join(", ", config.Architectures)}).");
        }

        if (config.HasQkvBias)
        {
            throw new NotSupportedException("The GGUF converter writes Llama models without attention biases; this config sets attention_bias.");
        }

        if (config.RopeScaling is { Kind: not ("llama3" or "default") } scaling)
        {
            throw new NotSupportedException($"The GGUF converter writes llama3 rope scaling only, not '{scaling.Kind}'.");
        }
    }

    private static void RequireShape(Checkpoint checkpoint, string name, long[] shape)
    {
        var info = checkpoint.GetTensorInfo(name);
        if (!FloatDTypes.Contains(info.DType))
        {
            throw new NotSupportedException(
                $"{name} is stored as {info.DType.ToHeaderName()}; the GGUF converter reads weights stored as F32, F16, BF16 or F64 (not already quantized ones).");
        }

        if (!info.Shape.SequenceEqual(shape))
        {
            throw new ModelLoadException($"{name} is [{string.Join(", ", info.Shape)}], but the config implies [{string.Join(", ", shape)}].");
        }
    }
}
