using Herd.Node.Engine;
using Herd.Node.Model.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Model;

/// <summary>
/// What one forward pass needs besides token ids: each token's position, where its keys and
/// values go in the cache, and which cached keys each token may attend to. A pass is a prefill
/// chunk of one sequence, one decode step of the sequences in slots 0..batch-1, or an encoding
/// pass over whole texts (for embeddings) that attends to its own keys and values and keeps none.
/// </summary>
public sealed class ForwardContext : IDisposable
{
    private readonly Tensor? _decodeSlots;
    private readonly Tensor? _decodePositions;
    private readonly TensorIndex[]? _decodeIndex;
    private readonly int _prefillSlot;
    private readonly int _prefillStart;
    private readonly RotaryEmbedding _rotary;
    private readonly AttentionShape _shape;

    // Made on first use: a decode step that runs as one native call needs neither.
    private Tensor? _cos;
    private Tensor? _sin;
    private Tensor? _mask;

    private ForwardContext(KvCache? cache, RotaryEmbedding rotary, Tensor positions, int keyLength, AttentionShape shape, Tensor? decodeSlots = null, Tensor? decodePositions = null, int prefillSlot = -1, int prefillStart = -1)
    {
        Cache = cache;
        Positions = positions;
        KeyLength = keyLength;
        _decodeSlots = decodeSlots;
        _decodePositions = decodePositions;
        // Advanced indices on slot and position with all heads between: the stored value is [batch, kv_heads, head_dim].
        _decodeIndex = decodeSlots is null ? null : [TensorIndex.Tensor(decodeSlots), TensorIndex.Colon, TensorIndex.Tensor(decodePositions!)];
        _prefillSlot = prefillSlot;
        _prefillStart = prefillStart;
        _rotary = rotary;
        _shape = shape;
    }

    /// <summary>Where keys and values are kept; null for an encoding pass, which keeps none.</summary>
    public KvCache? Cache { get; }

    /// <summary>[batch, tokens] int64: the absolute position of every input token.</summary>
    public Tensor Positions { get; }

    /// <summary>
    /// [batch * kv_heads, groups * tokens, keys]: 0 where a token may attend to a key, -inf
    /// elsewhere, laid out like the grouped attention scores it is added to.
    /// </summary>
    // Outlives the scope of the layer that first asks for it; disposed with the context.
    public Tensor Mask => _mask ??= CausalMask(Positions, KeyLength, _shape).DetachFromDisposeScope();

    /// <summary>A decode step's positions, one per sequence in slot order; null for a prefill chunk or an encoding pass.</summary>
    internal long[]? DecodePositions { get; private init; }

    /// <summary>The adapter updates the pass adds to its products, row by row; null when no sequence in it uses an adapter.</summary>
    public LoraBatch? Adapters { get; private init; }

    /// <summary>How many cached positions the pass attends over (the longest sequence's length).</summary>
    public int KeyLength { get; }

    public int BatchSize => (int)Positions.shape[0];

    /// <summary>A chunk of <paramref name="length"/> prompt tokens of the sequence in <paramref name="slot"/>, from <paramref name="start"/>.</summary>
    /// <param name="adapters">The sequence's adapters, or null for the base model alone.</param>
    public static ForwardContext Prefill(KvCache cache, RotaryEmbedding rotary, int slot, int start, int length, AdapterBlend? adapters = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(rotary);
        var positions = arange(start, start + length, dtype: int64, device: cache.Device).unsqueeze(0);
        return new ForwardContext(cache, rotary, positions, start + length, AttentionShape.Of(cache), prefillSlot: slot, prefillStart: start)
        {
            Adapters = adapters is null ? null : LoraBatch.For([adapters], length, cache.DType, cache.Device),
        };
    }

    /// <summary>One new token for each sequence in slots 0..positions.Length-1, at the given positions.</summary>
    /// <param name="adapters">Each sequence's adapters (null for the base model alone), in slot order; null when none has any.</param>
    public static ForwardContext Decode(KvCache cache, RotaryEmbedding rotary, ReadOnlySpan<long> positions, IReadOnlyList<AdapterBlend?>? adapters = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(rotary);
        var batch = positions.Length;
        var positionTensor = tensor(positions.ToArray(), dtype: int64, device: cache.Device);
        var slots = arange(batch, dtype: int64, device: cache.Device);
        var longest = 0L;
        foreach (var position in positions)
        {
            longest = Math.Max(longest, position);
        }

        return new ForwardContext(cache, rotary, positionTensor.unsqueeze(1), (int)longest + 1, AttentionShape.Of(cache), slots, positionTensor)
        {
            DecodePositions = positions.ToArray(),
            Adapters = adapters is null ? null : LoraBatch.For(adapters, 1, cache.DType, cache.Device),
        };
    }

    /// <summary>
    /// <paramref name="batch"/> whole texts, each from position 0, padded on the right to
    /// <paramref name="tokens"/>. The causal mask alone keeps padding out of every real token's
    /// attention: padding only ever follows a text's own tokens.
    /// </summary>
    /// <param name="adapters">the adapters every text runs with (fine-tuning one); null for the base model alone</param>
    public static ForwardContext Encode(ModelConfig config, RotaryEmbedding rotary, int batch, int tokens, ScalarType dtype, Device device, AdapterBlend? adapters = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(rotary);
        var positions = arange(tokens, dtype: int64, device: device).unsqueeze(0).expand(batch, tokens).contiguous();
        var shape = new AttentionShape(config.NumAttentionHeads / config.KeyValueHeads, config.KeyValueHeads, dtype);
        return new ForwardContext(null, rotary, positions, tokens, shape)
        {
            Adapters = adapters is null ? null : LoraBatch.For([.. Enumerable.Repeat(adapters, batch)], tokens, dtype, device),
        };
    }

    /// <summary>Rotates queries or keys by their tokens' positions ("rotate half" layout).</summary>
    /// <param name="states">[batch, heads, tokens, head_dim]</param>
    public Tensor Rotate(Tensor states)
    {
        ArgumentNullException.ThrowIfNull(states);
        if (_cos is null)
        {
            var (cos, sin) = _rotary.Angles(Positions);
            (_cos, _sin) = (cos.DetachFromDisposeScope(), sin.DetachFromDisposeScope());
        }

        // rotate_half(x) = [-x2, x1]: rolling by half a head gives [x2, x1], the signed sines negate x2.
        return states.roll(states.shape[^1] / 2, -1).mul_(_sin!).add_(states * _cos);
    }

    /// <summary>Stores this pass's keys and values for <paramref name="layer"/> and returns every key and value the pass attends over.</summary>
    /// <param name="keys">[batch, kv_heads, tokens, head_dim]</param>
    /// <param name="values">[batch, kv_heads, tokens, head_dim]</param>
    /// <returns>Keys and values, each [batch, kv_heads, KeyLength, head_dim] (views into the cache).</returns>
    public (Tensor Keys, Tensor Values) Store(int layer, Tensor keys, Tensor values)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        if (Cache is null)
        {
            return (keys, values);
        }

        var (cachedKeys, cachedValues) = (Cache.Keys(layer), Cache.Values(layer));
        if (_decodeIndex is not null)
        {
            cachedKeys.index_put_(keys.squeeze(2), _decodeIndex);
            cachedValues.index_put_(values.squeeze(2), _decodeIndex);
            return (cachedKeys.narrow(0, 0, BatchSize).narrow(2, 0, KeyLength),
                cachedValues.narrow(0, 0, BatchSize).narrow(2, 0, KeyLength));
        }

        var tokens = keys.shape[2];
        cachedKeys[_prefillSlot].narrow(1, _prefillStart, tokens).copy_(keys[0]);
        cachedValues[_prefillSlot].narrow(1, _prefillStart, tokens).copy_(values[0]);
        return (cachedKeys.narrow(0, _prefillSlot, 1).narrow(2, 0, KeyLength),
            cachedValues.narrow(0, _prefillSlot, 1).narrow(2, 0, KeyLength));
    }

    public void Dispose()
    {
        Positions.Dispose();
        _mask?.Dispose();
        _cos?.Dispose();
        _sin?.Dispose();
        _decodeSlots?.Dispose();
        _decodePositions?.Dispose();
        Adapters?.Dispose();
    }

    private static Tensor CausalMask(Tensor positions, int keyLength, AttentionShape shape)
    {
        using var scope = NewDisposeScope();
        var (batch, tokens) = (positions.shape[0], positions.shape[1]);
        var (groups, kvHeads) = (shape.QueryGroups, shape.KeyValueHeads);
        var keys = arange(keyLength, dtype: int64, device: positions.device).view(1, 1, keyLength);
        // [batch, tokens, keys]: a token sees every key at or before its own position.
        var hidden = keys > positions.unsqueeze(-1);
        var mask = zeros(hidden.shape, dtype: shape.DType, device: positions.device).masked_fill_(hidden, double.NegativeInfinity);
        return mask.view(batch, 1, 1, tokens, keyLength)
            .expand(batch, kvHeads, groups, tokens, keyLength)
            .reshape(batch * kvHeads, groups * tokens, keyLength)
            .MoveToOuterDisposeScope();
    }

    /// <summary>How the attention scores the mask is added to are laid out, and their dtype.</summary>
    private readonly record struct AttentionShape(int QueryGroups, int KeyValueHeads, ScalarType DType)
    {
        public static AttentionShape Of(KvCache cache) => new(cache.QueryGroups, cache.KeyValueHeads, cache.DType);
    }
}
