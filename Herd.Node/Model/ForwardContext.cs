using Herd.Node.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Model;

/// <summary>
/// What one forward pass needs besides token ids: each token's position, where its keys and
/// values go in the cache, and which cached keys each token may attend to. A pass is either a
/// prefill chunk of one sequence or one decode step of the sequences in slots 0..batch-1.
/// </summary>
public sealed class ForwardContext : IDisposable
{
    private readonly Tensor? _decodeSlots;
    private readonly Tensor? _decodePositions;
    private readonly TensorIndex[]? _decodeIndex;
    private readonly int _prefillSlot;
    private readonly int _prefillStart;

    private readonly Tensor _cos;
    private readonly Tensor _sin;

    private ForwardContext(KvCache cache, RotaryEmbedding rotary, Tensor positions, int keyLength, Tensor? decodeSlots, Tensor? decodePositions, int prefillSlot, int prefillStart)
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
        (_cos, _sin) = rotary.Angles(positions);
        Mask = CausalMask(positions, keyLength, cache.QueryGroups, cache.KeyValueHeads, cache.DType);
    }

    public KvCache Cache { get; }

    /// <summary>[batch, tokens] int64: the absolute position of every input token.</summary>
    public Tensor Positions { get; }

    /// <summary>
    /// [batch * kv_heads, groups * tokens, keys]: 0 where a token may attend to a key, -inf
    /// elsewhere, laid out like the grouped attention scores it is added to.
    /// </summary>
    public Tensor Mask { get; }

    /// <summary>How many cached positions the pass attends over (the longest sequence's length).</summary>
    public int KeyLength { get; }

    public int BatchSize => (int)Positions.shape[0];

    /// <summary>A chunk of <paramref name="length"/> prompt tokens of the sequence in <paramref name="slot"/>, from <paramref name="start"/>.</summary>
    public static ForwardContext Prefill(KvCache cache, RotaryEmbedding rotary, int slot, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(rotary);
        var positions = arange(start, start + length, dtype: int64, device: cache.Device).unsqueeze(0);
        return new ForwardContext(cache, rotary, positions, start + length, null, null, slot, start);
    }

    /// <summary>One new token for each sequence in slots 0..positions.Length-1, at the given positions.</summary>
    public static ForwardContext Decode(KvCache cache, RotaryEmbedding rotary, ReadOnlySpan<long> positions)
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

        return new ForwardContext(cache, rotary, positionTensor.unsqueeze(1), (int)longest + 1, slots, positionTensor, -1, -1);
    }

    /// <summary>Rotates queries or keys by their tokens' positions ("rotate half" layout).</summary>
    /// <param name="states">[batch, heads, tokens, head_dim]</param>
    public Tensor Rotate(Tensor states)
    {
        ArgumentNullException.ThrowIfNull(states);
        // rotate_half(x) = [-x2, x1]: rolling by half a head gives [x2, x1], the signed sines negate x2.
        return states.roll(states.shape[^1] / 2, -1).mul_(_sin).add_(states * _cos);
    }

    /// <summary>Stores this pass's keys and values for <paramref name="layer"/> and returns every key and value the pass attends over.</summary>
    /// <param name="keys">[batch, kv_heads, tokens, head_dim]</param>
    /// <param name="values">[batch, kv_heads, tokens, head_dim]</param>
    /// <returns>Keys and values, each [batch, kv_heads, KeyLength, head_dim] (views into the cache).</returns>
    public (Tensor Keys, Tensor Values) Store(int layer, Tensor keys, Tensor values)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
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
        Mask.Dispose();
        _cos.Dispose();
        _sin.Dispose();
        _decodeSlots?.Dispose();
        _decodePositions?.Dispose();
    }

    private static Tensor CausalMask(Tensor positions, int keyLength, int groups, int kvHeads, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var (batch, tokens) = (positions.shape[0], positions.shape[1]);
        var keys = arange(keyLength, dtype: int64, device: positions.device).view(1, 1, keyLength);
        // [batch, tokens, keys]: a token sees every key at or before its own position.
        var hidden = keys > positions.unsqueeze(-1);
        var mask = zeros(hidden.shape, dtype: dtype, device: positions.device).masked_fill_(hidden, double.NegativeInfinity);
        return mask.view(batch, 1, 1, tokens, keyLength)
            .expand(batch, kvHeads, groups, tokens, keyLength)
            .reshape(batch * kvHeads, groups * tokens, keyLength)
            .MoveToOuterDisposeScope();
    }
}
