using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Kernels;

/// <summary>
/// A whole decode step in one native call (see <c>native/decode.cpp</c>): for a batch of sequences
/// that each add one token, the embedding lookup, every layer and the logits. Between the
/// products a step run as libtorch operations makes some fifty small calls per layer, each
/// allocating a tensor; at batch 1 they cost as much as the products.
/// </summary>
public sealed unsafe partial class DecodeKernel : IDisposable
{
    private readonly DecodeModelWeights _weights;
    private DecodeModel* _model;

    private DecodeKernel(DecodeModelWeights weights, DecodeModel* model)
    {
        _weights = weights;
        _model = model;
    }

    /// <summary>Logits per sequence.</summary>
    public int Vocab => _weights.Vocab;

    /// <summary>The rotary tables' length: the longest position a step can be at, plus one.</summary>
    public long MaxPositions => _weights.RopeCos.shape[0];

    /// <summary>True when the kernel can run on these weights (and the native kernels run on this machine).</summary>
    public static bool CanDescribe(DecodeModelWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        // The attention's vectors are whole 8-float registers. A packed embedding is the output
        // matrix itself (tied), in its format.
        return NativeKernels.IsAvailable && weights.HeadDim % 8 == 0 && weights.Heads % weights.KeyValueHeads == 0
            && AllFloat32(weights.FinalNorm, weights.RopeCos, weights.RopeSin) && AllPacked(weights.LmHead)
            && (weights.EmbedPacked ? ReferenceEquals(weights.Embed, weights.LmHead) : AllFloat32(weights.Embed))
            && weights.Layers.All(layer => AllFloat32(layer.InputNorm, layer.QkvBias, layer.OutputBias, layer.PostNorm) && AllPacked(layer.Qkv, layer.Output, layer.GateUp, layer.Down));
    }

    /// <param name="weights">tensors the caller keeps alive as long as the kernel</param>
    public static DecodeKernel Describe(DecodeModelWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (!CanDescribe(weights))
        {
            throw new ArgumentException($"The decode kernel reads float32 contiguous CPU tensors and head dimensions that are multiples of 8 ({NativeKernels.UnavailableReason ?? "these are not"}).", nameof(weights));
        }

        var layerCount = weights.Layers.Count;
        var memory = (byte*)NativeMemory.AllocZeroed((nuint)(sizeof(DecodeModel) + (layerCount * sizeof(DecodeLayer))));
        var model = (DecodeModel*)memory;
        var layers = (DecodeLayer*)(memory + sizeof(DecodeModel));
        for (var index = 0; index < layerCount; index++)
        {
            var layer = weights.Layers[index];
            layers[index] = new DecodeLayer
            {
                QkvFormat = (long)PackedMatrix.FormatOf(layer.Qkv),
                OutputFormat = (long)PackedMatrix.FormatOf(layer.Output),
                GateUpFormat = (long)PackedMatrix.FormatOf(layer.GateUp),
                DownFormat = (long)PackedMatrix.FormatOf(layer.Down),
                InputNorm = Address(layer.InputNorm),
                Qkv = Address(layer.Qkv),
                QkvBias = Address(layer.QkvBias),
                Output = Address(layer.Output),
                OutputBias = Address(layer.OutputBias),
                PostNorm = Address(layer.PostNorm),
                GateUp = Address(layer.GateUp),
                Down = Address(layer.Down),
            };
        }

        *model = new DecodeModel
        {
            Hidden = weights.Hidden,
            Heads = weights.Heads,
            KeyValueHeads = weights.KeyValueHeads,
            HeadDim = weights.HeadDim,
            Intermediate = weights.Intermediate,
            Vocab = weights.Vocab,
            LayerCount = layerCount,
            EmbedPacked = weights.EmbedPacked ? 1 : 0,
            LmHeadFormat = (long)PackedMatrix.FormatOf(weights.LmHead),
            Epsilon = weights.Epsilon,
            Embed = Address(weights.Embed),
            FinalNorm = Address(weights.FinalNorm),
            LmHead = Address(weights.LmHead),
            RopeCos = Address(weights.RopeCos),
            RopeSin = Address(weights.RopeSin),
            Layers = (IntPtr)layers,
        };
        return new DecodeKernel(weights, model);
    }

    /// <summary>
    /// One new token for each sequence, sequence <c>b</c> in cache slot <c>b</c> at
    /// <c>positions[b]</c>: writes every layer's key and value at that position and the logits.
    /// </summary>
    /// <param name="keys">each layer's keys [slots, kv_heads, cache length, head_dim], float32, contiguous, on the CPU</param>
    /// <param name="values">each layer's values, shaped as the keys</param>
    /// <param name="logits">[batch, ..., vocab] float32, contiguous, on the CPU; written</param>
    public void Step(ReadOnlySpan<long> tokens, ReadOnlySpan<long> positions, IReadOnlyList<Tensor> keys, IReadOnlyList<Tensor> values, Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(logits);
        ObjectDisposedException.ThrowIf(_model is null, this);
        var batch = tokens.Length;
        var cacheLength = CheckCache(keys, values, batch);
        CheckSteps(tokens, positions, cacheLength);
        if (logits.dtype != ScalarType.Float32 || logits.device.type != DeviceType.CPU || !logits.is_contiguous() || logits.numel() != (long)batch * _weights.Vocab)
        {
            throw new ArgumentException($"Expected contiguous float32 CPU logits of {batch} x {_weights.Vocab}, got {logits.dtype} [{string.Join(", ", logits.shape)}].", nameof(logits));
        }

        var layerCount = _weights.Layers.Count;
        var keyAddresses = stackalloc IntPtr[layerCount];
        var valueAddresses = stackalloc IntPtr[layerCount];
        for (var layer = 0; layer < layerCount; layer++)
        {
            keyAddresses[layer] = TensorMemory.DataPointer(keys[layer]);
            valueAddresses[layer] = TensorMemory.DataPointer(values[layer]);
        }

        var cache = new DecodeCache { Keys = (IntPtr)keyAddresses, Values = (IntPtr)valueAddresses, CacheLength = cacheLength };
        fixed (long* tokenPointer = tokens)
        fixed (long* positionPointer = positions)
        {
            herd_kernels_decode((IntPtr)_model, (IntPtr)(&cache), batch, (IntPtr)tokenPointer, (IntPtr)positionPointer, TensorMemory.DataPointer(logits));
        }

        GC.KeepAlive(keys);
        GC.KeepAlive(values);
        GC.KeepAlive(logits);
    }

    public void Dispose()
    {
        NativeMemory.Free(_model);
        _model = null;
    }

    private long CheckCache(IReadOnlyList<Tensor> keys, IReadOnlyList<Tensor> values, int batch)
    {
        if (keys.Count != _weights.Layers.Count || values.Count != _weights.Layers.Count)
        {
            throw new ArgumentException($"Expected keys and values for {_weights.Layers.Count} layers, got {keys.Count} and {values.Count}.", nameof(keys));
        }

        var shape = keys[0].shape;
        foreach (var tensor in keys.Concat(values))
        {
            if (tensor.dtype != ScalarType.Float32 || tensor.device.type != DeviceType.CPU || !tensor.is_contiguous() || !tensor.shape.SequenceEqual(shape)
                || shape.Length != 4 || shape[1] != _weights.KeyValueHeads || shape[3] != _weights.HeadDim || shape[0] < batch)
            {
                throw new ArgumentException(
                    $"Expected every layer's keys and values as contiguous float32 CPU tensors of [at least {batch} slots, {_weights.KeyValueHeads}, length, {_weights.HeadDim}], got {tensor.dtype} [{string.Join(", ", tensor.shape)}].",
                    nameof(keys));
            }
        }

        return shape[2];
    }

    // The native code trusts its indices: a token outside the vocabulary or a position outside the
    // cache would read or write outside the tensors.
    private void CheckSteps(ReadOnlySpan<long> tokens, ReadOnlySpan<long> positions, long cacheLength)
    {
        if (positions.Length != tokens.Length)
        {
            throw new ArgumentException($"Expected a position for each of the {tokens.Length} tokens, got {positions.Length}.", nameof(positions));
        }

        var longest = Math.Min(cacheLength, MaxPositions);
        for (var index = 0; index < tokens.Length; index++)
        {
            if ((ulong)tokens[index] >= (ulong)_weights.Vocab)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), tokens[index], $"Token {index} is outside the vocabulary of {_weights.Vocab}.");
            }

            if ((ulong)positions[index] >= (ulong)longest)
            {
                throw new ArgumentOutOfRangeException(nameof(positions), positions[index], $"Position {index} is outside the cache and rotary tables ({longest} positions).");
            }
        }
    }

    private static bool AllFloat32(params Tensor?[] tensors) =>
        tensors.All(tensor => tensor is null || (tensor.dtype == ScalarType.Float32 && tensor.device.type == DeviceType.CPU && tensor.is_contiguous()));

    private static bool AllPacked(params Tensor[] tensors) =>
        tensors.All(tensor => tensor.dtype is ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Byte && tensor.device.type == DeviceType.CPU && tensor.is_contiguous());

    private static IntPtr Address(Tensor? tensor) => tensor is null ? IntPtr.Zero : TensorMemory.DataPointer(tensor);

    // The layouts of decode.cpp's DecodeLayer, DecodeModel and DecodeCache.
    [StructLayout(LayoutKind.Sequential)]
    private struct DecodeLayer
    {
        public long QkvFormat;
        public long OutputFormat;
        public long GateUpFormat;
        public long DownFormat;
        public IntPtr InputNorm;
        public IntPtr Qkv;
        public IntPtr QkvBias;
        public IntPtr Output;
        public IntPtr OutputBias;
        public IntPtr PostNorm;
        public IntPtr GateUp;
        public IntPtr Down;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct DecodeModel
    {
        public long Hidden;
        public long Heads;
        public long KeyValueHeads;
        public long HeadDim;
        public long Intermediate;
        public long Vocab;
        public long LayerCount;
        public long EmbedPacked;
        public long LmHeadFormat;
        public double Epsilon;
        public IntPtr Embed;
        public IntPtr FinalNorm;
        public IntPtr LmHead;
        public IntPtr RopeCos;
        public IntPtr RopeSin;
        public IntPtr Layers;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct DecodeCache
    {
        public IntPtr Keys;
        public IntPtr Values;
        public long CacheLength;
    }

    [LibraryImport(NativeKernels.Library)]
    private static partial void herd_kernels_decode(IntPtr model, IntPtr cache, long batch, IntPtr tokens, IntPtr positions, IntPtr logits);
}
