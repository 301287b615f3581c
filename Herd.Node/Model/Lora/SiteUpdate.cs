using static TorchSharp.torch;

namespace Herd.Node.Model.Lora;

/// <summary>
/// One adapter's low-rank update at one site of one layer: <c>x A^T B^T</c> for each adapted part,
/// added to that part's columns of the site's output. The parts' A matrices share the site's input,
/// so they are stored side by side and multiplied in one product.
/// </summary>
public sealed class SiteUpdate : IDisposable
{
    private readonly Tensor _down;
    private readonly IReadOnlyList<Part> _parts;

    /// <param name="down">[in, sum of ranks]: every part's A, transposed, side by side</param>
    /// <param name="parts">Each part's place in the low-rank product and in the site's output, with its scaled, transposed B</param>
    internal SiteUpdate(Tensor down, IReadOnlyList<Part> parts)
    {
        _down = down;
        _parts = parts;
    }

    /// <summary>The memory its tensors hold.</summary>
    public long Bytes => (_down.numel() * _down.ElementSize) + _parts.Sum(part => part.Up.numel() * part.Up.ElementSize);

    /// <summary>
    /// Adds the update of <paramref name="input"/>'s rows (all, or those <paramref name="rows"/>
    /// names, each times its weight) to the same rows of <paramref name="output"/>.
    /// </summary>
    /// <param name="input">[rows, in]</param>
    /// <param name="output">[rows, site out], changed in place</param>
    /// <param name="rows">[n] int64 row indices, or null for every row</param>
    /// <param name="rowWeights">[n, 1] blend weights, or null for weight 1</param>
    public void AddTo(Tensor input, Tensor output, Tensor? rows, Tensor? rowWeights)
    {
        var selected = rows is null ? input : input.index_select(0, rows);
        // [n, sum of ranks]; weighting the narrow low-rank product costs less than the output.
        var low = selected.mm(_down);
        if (rowWeights is not null)
        {
            low = low.mul_(rowWeights);
        }

        foreach (var part in _parts)
        {
            var update = (_parts.Count == 1 ? low : low.narrow(1, part.RankOffset, part.Rank)).mm(part.Up);
            var target = output.narrow(1, part.OutputOffset, part.Up.shape[1]);
            if (rows is null)
            {
                target.add_(update);
            }
            else
            {
                target.index_add_(0, rows, update, alpha: 1);
            }
        }
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
        _down.Dispose();
        foreach (var part in _parts)
        {
            part.Up.Dispose();
        }
    }

    /// <param name="RankOffset">where the part's columns start in the low-rank product</param>
    /// <param name="Rank">the part's rank</param>
    /// <param name="OutputOffset">where the part's columns start in the site's output</param>
    /// <param name="Up">[rank, out]: B transposed, times the adapter's scale</param>
    internal sealed record Part(long RankOffset, long Rank, long OutputOffset, Tensor Up);
}
