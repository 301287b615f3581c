using Herd.Node.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Model;

/// <summary>One pre-norm decoder block: attention and MLP, each around a residual connection.</summary>
public sealed class DecoderLayer : nn.Module
{
    private readonly RmsNorm _inputLayernorm;
    private readonly Attention _selfAttn;
    private readonly RmsNorm _postAttentionLayernorm;
    private readonly Mlp _mlp;

    public DecoderLayer(string prefix, int layer, ModelConfig config, WeightSource weights, WeightStorage? storage = null)
        : base(nameof(DecoderLayer))
    {
        ArgumentNullException.ThrowIfNull(config);
        _inputLayernorm = new RmsNorm(prefix + ".input_layernorm", weights, config.RmsNormEps);
        _selfAttn = new Attention(prefix + ".self_attn", layer, config, weights, storage);
        _postAttentionLayernorm = new RmsNorm(prefix + ".post_attention_layernorm", weights, config.RmsNormEps);
        _mlp = new Mlp(prefix + ".mlp", layer, weights, storage);
        register_module("input_layernorm", _inputLayernorm);
        register_module("self_attn", _selfAttn);
        register_module("post_attention_layernorm", _postAttentionLayernorm);
        register_module("mlp", _mlp);
    }

    /// <summary>The layer's four matrices: q, k and v; the output; gate and up; down.</summary>
    internal IEnumerable<ProjectionWeight> Projections =>
        [_selfAttn.QkvProjection.Weight, _selfAttn.OutputProjection.Weight, _mlp.GateUpProjection.Weight, _mlp.DownProjection.Weight];

    /// <summary>The layer's tensors for <see cref="DecodeKernel"/>; null unless every product is packed (in any format).</summary>
    internal DecodeLayerWeights? DecodeWeights()
    {
        var (attention, mlp) = (_selfAttn, _mlp);
        if (Projections.Any(product => !product.IsPacked))
        {
            return null;
        }

        return new DecodeLayerWeights(
            _inputLayernorm.Weight, attention.QkvProjection.Weight.Stored, attention.QkvProjection.Bias,
            attention.OutputProjection.Weight.Stored, attention.OutputProjection.Bias,
            _postAttentionLayernorm.Weight, mlp.GateUpProjection.Weight.Stored, mlp.DownProjection.Weight.Stored);
    }

    /// <param name="hidden">[batch, tokens, hidden]</param>
    /// <returns>[batch, tokens, hidden]</returns>
    public Tensor Forward(Tensor hidden, ForwardContext context)
    {
        // One scope per layer: temporaries of a long prompt chunk never pile up across layers.
        using var scope = NewDisposeScope();
        var attended = _selfAttn.Forward(_inputLayernorm.Forward(hidden), context).add_(hidden);
        var output = _mlp.Forward(_postAttentionLayernorm.Forward(attended), context).add_(attended);
        return output.MoveToOuterDisposeScope();
    }
}
