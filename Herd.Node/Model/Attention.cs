using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Model;

/// <summary>Grouped-query self-attention with rotary positions, reading and writing the KV cache.</summary>
public sealed class Attention : nn.Module
{
    private readonly Projection _qProj;
    private readonly Projection _kProj;
    private readonly Projection _vProj;
    private readonly Projection _oProj;
    private readonly int _layer;
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly double _scale;

    public Attention(string prefix, int layer, ModelConfig config, WeightSource weights)
        : base(nameof(Attention))
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        _layer = layer;
        _heads = config.NumAttentionHeads;
        _kvHeads = config.KeyValueHeads;
        _headDim = config.HeadDimension;
        _scale = 1.0 / Math.Sqrt(_headDim);

        // Qwen2 has biases on q, k and v only; Llama's attention_bias puts them on all four.
        _qProj = Register("q_proj", config.HasQkvBias);
        _kProj = Register("k_proj", config.HasQkvBias);
        _vProj = Register("v_proj", config.HasQkvBias);
        _oProj = Register("o_proj", config.AttentionBias && config.Architecture != ModelArchitecture.Qwen2);

        Projection Register(string name, bool hasBias)
        {
            var projection = new Projection(prefix + "." + name, weights, hasBias);
            register_module(name, projection);
            return projection;
        }
    }

    /// <param name="hidden">[batch, tokens, hidden]</param>
    /// <returns>[batch, tokens, hidden]</returns>
    public Tensor Forward(Tensor hidden, ForwardContext context, RotaryEmbedding rotary)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(rotary);
        using var scope = NewDisposeScope();
        var (batch, tokens) = (hidden.shape[0], hidden.shape[1]);
        var groups = _heads / _kvHeads;

        // [batch, heads, tokens, head_dim]
        var queries = Heads(_qProj.Forward(hidden), _heads);
        var keys = Heads(_kProj.Forward(hidden), _kvHeads);
        var values = Heads(_vProj.Forward(hidden), _kvHeads);
        queries = rotary.Apply(queries, context.Positions);
        keys = rotary.Apply(keys, context.Positions);

        // [batch, kv_heads, keys, head_dim]
        var (allKeys, allValues) = context.Store(_layer, keys, values);

        // The query heads sharing a KV head are folded into the token axis, so the grouped
        // matmul needs no copies of the keys: [batch, kv_heads, groups * tokens, head_dim].
        var grouped = (queries * _scale).reshape(batch, _kvHeads, groups * tokens, _headDim);
        var scores = grouped.matmul(allKeys.transpose(-1, -2))
            .view(batch, _kvHeads, groups, tokens, context.KeyLength) + context.Mask;
        var weights = scores.softmax(-1).view(batch, _kvHeads, groups * tokens, context.KeyLength);
        // [batch, heads, tokens, head_dim] -> [batch, tokens, heads * head_dim]
        var attended = weights.matmul(allValues).view(batch, _heads, tokens, _headDim)
            .transpose(1, 2).reshape(batch, tokens, _heads * _headDim);
        return _oProj.Forward(attended).MoveToOuterDisposeScope();
    }

    private Tensor Heads(Tensor projected, int heads) =>
        projected.view(projected.shape[0], projected.shape[1], heads, _headDim).transpose(1, 2);
}
