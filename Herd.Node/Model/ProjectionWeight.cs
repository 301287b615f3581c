using Herd.Node.Kernels;
using TorchSharp;
using TorchSharp.Modules;

namespace Herd.Node.Model;

/// <summary>How a projection's matrix is stored; see <see cref="ProjectionWeight"/>.</summary>
public enum WeightStorage
{
    /// <summary>[out, in], as checkpoints store it.</summary>
    Standard,

    /// <summary>[in, out], where libtorch streams that layout faster (see <see cref="WeightLayout"/>).</summary>
    Transposed,

    /// <summary>Panels for Herd's native CPU kernels (see <see cref="PackedMatrix"/>), float32.</summary>
    Packed,

    /// <summary>Panels in bfloat16: half the bytes to stream, 8 bits of mantissa.</summary>
    PackedBFloat16,

    /// <summary>Panels in int8 with a float32 scale per 32 inputs of each output (as Q8_0): about a quarter of the bytes.</summary>
    PackedInt8,
}

/// <summary>
/// A projection's weight, stored in the form its products are fastest in on this device, and the
/// product by it. On a CPU with the native kernels that is <see cref="WeightStorage.Packed"/>;
/// otherwise libtorch's layouts.
/// </summary>
public sealed class ProjectionWeight
{
    private ProjectionWeight(Parameter stored, WeightStorage storage, long outFeatures, long inFeatures, WeightError error = default)
    {
        Stored = stored;
        Storage = storage;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        Error = error;
    }

    /// <summary>The tensor as stored, in the shape <see cref="Storage"/> gives it.</summary>
    public Parameter Stored { get; }

    public WeightStorage Storage { get; }

    public long OutFeatures { get; }

    public long InFeatures { get; }

    /// <summary>True when the products run on Herd's native kernels (any packed format).</summary>
    public bool IsPacked => Storage is WeightStorage.Packed or WeightStorage.PackedBFloat16 or WeightStorage.PackedInt8;

    /// <summary>How far the stored weights are from the float32 ones (zero unless stored narrower).</summary>
    public WeightError Error { get; }

    /// <param name="weight">[out, in], as checkpoints store it; disposed if another form replaces it</param>
    /// <param name="storage">the form to store it in; null: the fastest for its device</param>
    /// <exception cref="ArgumentException">The weight cannot be stored in that form here (a packed form without the native kernels, say).</exception>
    public static ProjectionWeight Create(torch.Tensor weight, WeightStorage? storage = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        return Store(weight, storage ?? FastestStorage(weight));
    }

    /// <summary>The packed format of a storage, or null for libtorch's layouts.</summary>
    public static PackedFormat? FormatOf(WeightStorage storage) => storage switch
    {
        WeightStorage.Packed => PackedFormat.F32,
        WeightStorage.PackedBFloat16 => PackedFormat.BF16,
        WeightStorage.PackedInt8 => PackedFormat.Q8,
        _ => null,
    };

    private static WeightStorage FastestStorage(torch.Tensor weight) =>
        PackedMatrix.CanPack(weight) ? WeightStorage.Packed
            : weight.dim() == 2 && WeightLayout.PreferTransposed(weight.shape[0], weight.shape[1], weight.device) ? WeightStorage.Transposed
            : WeightStorage.Standard;

    private static ProjectionWeight Store(torch.Tensor weight, WeightStorage storage)
    {
        // int8 blocks span 32 inputs; a matrix with a ragged number of inputs keeps float32 panels.
        if (storage == WeightStorage.PackedInt8 && !PackedMatrix.CanPack(weight, PackedFormat.Q8) && PackedMatrix.CanPack(weight))
        {
            storage = WeightStorage.Packed;
        }

        var (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1]);
        if (storage == WeightStorage.Standard)
        {
            return new ProjectionWeight(new Parameter(weight, requires_grad: false), storage, outFeatures, inFeatures);
        }

        var error = default(WeightError);
        var stored = FormatOf(storage) is { } format ? PackedMatrix.Pack(weight, format, out error) : weight.t().contiguous();
        weight.Dispose();
        return new ProjectionWeight(new Parameter(stored, requires_grad: false), storage, outFeatures, inFeatures, error);
    }

    /// <summary>Rows of the <c>[out, in]</c> matrix, whichever form it is stored in (an embedding lookup).</summary>
    /// <param name="indices">[n] int64 row indices</param>
    /// <returns>[n, in]</returns>
    public torch.Tensor Rows(torch.Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (IsPacked)
        {
            return PackedMatrix.Rows(Stored, OutFeatures, indices);
        }

        return Storage == WeightStorage.Transposed ? Stored.index_select(1, indices).t() : Stored.index_select(0, indices);
    }

    /// <param name="input">[..., in]</param>
    /// <param name="bias">[out], or null</param>
    /// <returns>[..., out]</returns>
    public torch.Tensor Apply(torch.Tensor input, torch.Tensor? bias)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (IsPacked)
        {
            return PackedMatrix.Multiply(input, Stored, OutFeatures, bias);
        }

        if (Storage == WeightStorage.Transposed)
        {
            var output = input.matmul(Stored);
            return bias is null ? output : output.add_(bias);
        }

        return torch.nn.functional.linear(input, Stored, bias);
    }
}
