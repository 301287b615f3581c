using Herd.Node.Model.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Model;

/// <summary>Grouped-query self-attention with rotary positions, reading and writing the KV cache.</summary>
public sealed class Attention : nn.Module
{
    private readonly FusedProjection _qkvProj;
    private readonly Projection _oProj;
    private readonly int _layer;
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;

    public Attention(string prefix, int layer, ModelConfig config, WeightSource weights, WeightStorage? storage = null)
        : base(nameof(Attention))
    {
        ArgumentNullException.ThrowIfNull(config);
        _layer = layer;
        _heads = config.NumAttentionHeads;
        _kvHeads = config.KeyValueHeads;
        _headDim = config.HeadDimension;

        // Qwen2 has biases on q, k and v only; Llama's attention_bias puts them on all four.
        // Queries are scaled by 1/sqrt(head_dim) before their dot products with the keys; scaling
        // the query rows of the weights (and bias) once at load saves that multiplication per pass.
        var scale = 1.0 / Math.Sqrt(_headDim);
        WeightSource scaledQueries = name => name.StartsWith(prefix + ".q_proj.", StringComparison.Ordinal) ? weights(name).mul_(scale) : weights(name);
        _qkvProj = new FusedProjection([prefix + ".q_proj", prefix + ".k_proj", prefix + ".v_proj"], scaledQueries, config.HasQkvBias, storage);
        _oProj = new Projection(prefix + ".o_proj", weights, config.AttentionBias && config.Architecture != ModelArchitecture.Qwen2, storage);
        register_module("qkv_proj", _qkvProj);
        register_module("o_proj", _oProj);
    }

    /// <summary>q, k and v in one product (queries pre-scaled by 1/√head_dim).</summary>
    internal FusedProjection QkvProjection => _qkvProj;

    internal Projection OutputProjection => _oProj;

    /// <param name="hidden">[batch, tokens, hidden]</param>
    /// <returns>[batch, tokens, hidden]</returns>
    public Tensor Forward(Tensor hidden, ForwardContext context)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(context);
        var (batch, tokens) = (hidden.shape[0], hidden.shape[1]);
        var groups = _heads / _kvHeads;

        // [batch, heads + 2 * kv_heads, tokens, head_dim]: queries, then keys, then values.
        var fused = _qkvProj.Forward(hidden);
        context.Adapters?.AddUpdates(_layer, LoraSite.Qkv, hidden, fused);
        var qkv = fused.view(batch, tokens, _heads + 2 * _kvHeads, _headDim).transpose(1, 2);
        // Queries and keys are rotated together: one set of element-wise operations, not two.
        var rotated = context.Rotate(qkv.narrow(1, 0, _heads + _kvHeads));
        var queries = rotated.narrow(1, 0, _heads);
        var keys = rotated.narrow(1, _heads, _kvHeads);
        var values = qkv.narrow(1, _heads + _kvHeads, _kvHeads);

        // [batch, kv_heads, keys, head_dim]
        var (allKeys, allValues) = context.Store(_layer, keys, values);

        // The query heads sharing a KV head are folded into the token axis, so the grouped
        // matmul needs no copies of the keys: [batch, kv_heads, groups * tokens, head_dim].
        var grouped = queries.reshape(batch * _kvHeads, groups * tokens, _headDim);
        var scores = grouped.bmm(allKeys.flatten(0, 1).transpose(-1, -2)).add_(context.Mask);
        var weights = scores.softmax(-1);
        // [batch * kv_heads, groups * tokens, head_dim] -> [batch, tokens, heads * head_dim]
        var attended = weights.bmm(allValues.flatten(0, 1)).view(batch, _heads, tokens, _headDim)
            .transpose(1, 2).reshape(batch, tokens, _heads * _headDim);
        var output = _oProj.Forward(attended);
        context.Adapters?.AddUpdates(_layer, LoraSite.Output, attended, output);
        return output;
    }
}
