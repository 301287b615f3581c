using Herd.Node.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Engine;

/// <summary>
/// The keys and values of every running sequence, preallocated once: per layer one tensor of
/// [slots, kv_heads, max_length, head_dim]. A sequence owns one slot while it runs. The engine
/// keeps decoding sequences in the lowest slots so a decode step reads one contiguous block.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;

    public KvCache(ModelConfig config, int slots, int maxLength, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        Slots = slots;
        KeyValueHeads = config.KeyValueHeads;
        QueryGroups = config.NumAttentionHeads / config.KeyValueHeads;
        MaxLength = maxLength;
        DType = dtype;
        Device = device;
        long[] shape = [slots, config.KeyValueHeads, maxLength, config.HeadDimension];
        // Owned by the cache, whatever scope it was created in.
        _keys = [.. Enumerable.Range(0, config.NumHiddenLayers).Select(_ => zeros(shape, dtype: dtype, device: device).DetachFromDisposeScope())];
        _values = [.. Enumerable.Range(0, config.NumHiddenLayers).Select(_ => zeros(shape, dtype: dtype, device: device).DetachFromDisposeScope())];
    }

    public int Slots { get; }

    public int MaxLength { get; }

    public int KeyValueHeads { get; }

    /// <summary>Query heads per key-value head (grouped-query attention).</summary>
    public int QueryGroups { get; }

    public ScalarType DType { get; }

    public Device Device { get; }

    /// <summary>The cache's memory, fixed at construction.</summary>
    public long Bytes => _keys.Concat(_values).Sum(tensor => tensor.NumberOfElements * tensor.ElementSize);

    public Tensor Keys(int layer) => _keys[layer];

    /// <summary>Every layer's keys, in layer order.</summary>
    public IReadOnlyList<Tensor> AllKeys => _keys;

    /// <summary>Every layer's values, in layer order.</summary>
    public IReadOnlyList<Tensor> AllValues => _values;

    public Tensor Values(int layer) => _values[layer];

    /// <summary>Copies the first <paramref name="length"/> positions of one slot into another (compaction).</summary>
    public void Move(int fromSlot, int toSlot, int length)
    {
        if (fromSlot == toSlot || length == 0)
        {
            return;
        }

        foreach (var layer in _keys.Concat(_values))
        {
            layer[toSlot].narrow(1, 0, length).copy_(layer[fromSlot].narrow(1, 0, length));
        }
    }

    public void Dispose()
    {
        foreach (var tensor in _keys.Concat(_values))
        {
            tensor.Dispose();
        }
    }
}
