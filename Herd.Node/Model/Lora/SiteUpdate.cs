using Herd.Node.Kernels;
using static TorchSharp.torch;

namespace Herd.Node.Model.Lora;

/// <summary>
/// One adapter's low-rank update at one site of one layer: <c>x A^T B^T</c> for each adapted part,
/// added to that part's columns of the site's output. The parts share the site's input, so their
/// A matrices are stacked and multiplied in one product; each part's B then makes its columns, and
/// the site's update is added in one step. On a CPU with Herd's native kernels the B matrices are
/// packed for them, like the model's own, and <see cref="Kernel"/> describes the update to
/// <see cref="LoraKernel"/>, which adds many adapters' updates in one call.
/// </summary>
public sealed class SiteUpdate : IDisposable
{
    private readonly Tensor _down;
    private readonly IReadOnlyList<Part> _parts;
    private readonly long _outputs;

    /// <param name="down">[sum of ranks, in]: every part's A, stacked in the order of <paramref name="parts"/></param>
    /// <param name="parts">the adapted parts, in the order of their columns in the site's output</param>
    /// <param name="layout">each of the site's parts in the model, adapted or not: where its columns start and how many</param>
    internal SiteUpdate(Tensor down, IReadOnlyList<Part> parts, IReadOnlyList<(long OutputOffset, long Outputs)> layout)
    {
        _down = down;
        _parts = parts;
        _outputs = layout.Sum(part => part.Outputs);
        if (parts.All(part => part.IsPacked) && LoraKernelSite.CanDescribe(down, parts.Select(part => part.Up)))
        {
            Kernel = LoraKernelSite.Describe(down, [.. layout.Select(place =>
                parts.FirstOrDefault(part => part.OutputOffset == place.OutputOffset) is { } part
                    ? new LoraKernelPart(part.Up, part.RankOffset, part.Rank, place.OutputOffset, place.Outputs)
                    : new LoraKernelPart(null, 0, 0, place.OutputOffset, place.Outputs))]);
        }
    }

    /// <summary>The update as <see cref="LoraKernel"/> reads it; null where the native kernels cannot run it (no AVX-512, another device or type, fine-tuning).</summary>
    public LoraKernelSite? Kernel { get; }

    /// <summary>The memory its tensors hold.</summary>
    public long Bytes => (_down.numel() * _down.ElementSize) + _parts.Sum(part => part.Up.numel() * part.Up.ElementSize);

    /// <summary>The update of <paramref name="input"/>'s rows, each times its weight.</summary>
    /// <param name="input">[n, in]</param>
    /// <param name="rowWeights">[n, 1] blend weights, or null for weight 1</param>
    /// <returns>[n, site out]</returns>
    public Tensor Compute(Tensor input, Tensor? rowWeights)
    {
        // [n, sum of ranks]; weighting the narrow low-rank product costs less than the output.
        var low = nn.functional.linear(input, _down);
        if (rowWeights is not null)
        {
            low = low.mul_(rowWeights);
        }

        return Update(low);
    }

    /// <summary>Keeps its tensors past the dispose scope they were made in.</summary>
    internal void DetachFromDisposeScope()
    {
        _down.DetachFromDisposeScope();
        foreach (var part in _parts)
        {
            part.Up.DetachFromDisposeScope();
        }
    }

    public void Dispose()
    {
        Kernel?.Dispose();
        _down.Dispose();
        foreach (var part in _parts)
        {
            part.Up.Dispose();
        }
    }

    /// <returns>[n, site out]: each part's columns, zero where no part adapts the output</returns>
    private Tensor Update(Tensor low)
    {
        if (_parts is [var only] && only.OutputOffset == 0 && only.Outputs == _outputs)
        {
            return only.Apply(low);
        }

        var pieces = new List<Tensor>();
        var column = 0L;
        foreach (var part in _parts)
        {
            if (part.OutputOffset > column)
            {
                pieces.Add(zeros([low.shape[0], part.OutputOffset - column], dtype: low.dtype, device: low.device));
            }

            pieces.Add(part.Apply(low.narrow(1, part.RankOffset, part.Rank)));
            column = part.OutputOffset + part.Outputs;
        }

        if (column < _outputs)
        {
            pieces.Add(zeros([low.shape[0], _outputs - column], dtype: low.dtype, device: low.device));
        }

        return cat(pieces, dim: 1);
    }

    /// <summary>One adapted part of the site: where it sits in the low-rank product and in the output, and its B.</summary>
    internal sealed class Part
    {
        /// <param name="up">[out, rank]: B times the adapter's scale</param>
        /// <param name="pack">store B for the native kernels when they run here (not for fine-tuning: they have no backward pass)</param>
        public Part(long rankOffset, long outputOffset, Tensor up, bool pack)
        {
            (RankOffset, Rank, OutputOffset, Outputs) = (rankOffset, up.shape[1], outputOffset, up.shape[0]);
            IsPacked = pack && PackedMatrix.CanPack(up);
            Up = IsPacked ? PackedMatrix.Pack(up) : up;
        }

        public long RankOffset { get; }

        public long Rank { get; }

        public long OutputOffset { get; }

        public long Outputs { get; }

        public bool IsPacked { get; }

        /// <summary>B, as stored: [out, rank], or packed.</summary>
        public Tensor Up { get; }

        /// <param name="low">[n, rank]</param>
        /// <returns>[n, out]</returns>
        public Tensor Apply(Tensor low) =>
            IsPacked ? PackedMatrix.Multiply(low, Up, Outputs, bias: null) : nn.functional.linear(low, Up);
    }
}
