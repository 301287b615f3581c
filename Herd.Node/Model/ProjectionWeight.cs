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

    /// <summary>Panels for Herd's native CPU kernels (see <see cref="PackedMatrix"/>).</summary>
    Packed,
}

/// <summary>
/// A projection's weight, stored in the form its products are fastest in on this device, and the
/// product by it. On a CPU with the native kernels that is <see cref="WeightStorage.Packed"/>;
/// otherwise libtorch's layouts.
/// </summary>
public sealed class ProjectionWeight
{
    private ProjectionWeight(Parameter stored, WeightStorage storage, long outFeatures, long inFeatures)
    {
        Stored = stored;
        Storage = storage;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
    }

    /// <summary>The tensor as stored, in the shape <see cref="Storage"/> gives it.</summary>
    public Parameter Stored { get; }

    public WeightStorage Storage { get; }

    public long OutFeatures { get; }

    public long InFeatures { get; }

    /// <param name="weight">[out, in], as checkpoints store it; disposed if another form replaces it</param>
    /// <param name="storage">the form to store it in; null: the fastest for its device</param>
    public static ProjectionWeight Create(torch.Tensor weight, WeightStorage? storage = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        return Store(weight, storage ?? FastestStorage(weight));
    }

    private static WeightStorage FastestStorage(torch.Tensor weight) =>
        PackedMatrix.CanPack(weight) ? WeightStorage.Packed
            : weight.dim() == 2 && WeightLayout.PreferTransposed(weight.shape[0], weight.shape[1], weight.device) ? WeightStorage.Transposed
            : WeightStorage.Standard;

    private static ProjectionWeight Store(torch.Tensor weight, WeightStorage storage)
    {
        var (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1]);
        if (storage == WeightStorage.Standard)
        {
            return new ProjectionWeight(new Parameter(weight, requires_grad: false), storage, outFeatures, inFeatures);
        }

        var stored = storage == WeightStorage.Packed ? PackedMatrix.Pack(weight) : weight.t().contiguous();
        weight.Dispose();
        return new ProjectionWeight(new Parameter(stored, requires_grad: false), storage, outFeatures, inFeatures);
    }

    /// <summary>Rows of the <c>[out, in]</c> matrix, whichever form it is stored in (an embedding lookup).</summary>
    /// <param name="indices">[n] int64 row indices</param>
    /// <returns>[n, in]</returns>
    public torch.Tensor Rows(torch.Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        switch (Storage)
        {
            case WeightStorage.Packed:
                // Row r is column r % width of panel r / width.
                var width = Stored.shape[2];
                using (var panels = indices.div(width, rounding_mode: torch.RoundingMode.floor))
                using (var columns = indices.remainder(width))
                {
                    return Stored.index(torch.TensorIndex.Tensor(panels), torch.TensorIndex.Colon, torch.TensorIndex.Tensor(columns));
                }

            case WeightStorage.Transposed:
                return Stored.index_select(1, indices).t();
            default:
                return Stored.index_select(0, indices);
        }
    }

    /// <param name="input">[..., in]</param>
    /// <param name="bias">[out], or null</param>
    /// <returns>[..., out]</returns>
    public torch.Tensor Apply(torch.Tensor input, torch.Tensor? bias)
    {
        ArgumentNullException.ThrowIfNull(input);
        switch (Storage)
        {
            case WeightStorage.Packed:
                return PackedMatrix.Multiply(input, Stored, OutFeatures, bias);
            case WeightStorage.Transposed:
                var output = input.matmul(Stored);
                return bias is null ? output : output.add_(bias);
            default:
                return torch.nn.functional.linear(input, Stored, bias);
        }
    }
}
