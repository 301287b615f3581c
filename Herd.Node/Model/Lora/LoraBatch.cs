using Herd.Node.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Model.Lora;

/// <summary>
/// Which adapter updates a forward pass adds, row by row. The base product runs once for the whole
/// batch; then each adapter in use adds its update to the rows of the sequences that use it (with
/// their blend weights), so sequences with different adapters, or none, never split a batch. The
/// rows are listed by adapter (entries), so that each adapter reads a contiguous run of them. On a
/// CPU with Herd's native kernels all adapters' updates at a product are added in one call
/// (<see cref="LoraKernel"/>); elsewhere in libtorch, gathering the rows once per product and
/// adding the updates back in one step.
/// </summary>
public sealed class LoraBatch : IDisposable
{
    private readonly IReadOnlyList<Group> _groups;
    private readonly long[]? _rows;
    private readonly float[]? _weights;
    private readonly Device _device;
    private readonly ScalarType _dtype;
    private readonly LoraKernelGroup[] _kernelGroups;
    private Tensor? _rowsTensor;
    private Tensor? _weightsTensor;

    /// <param name="groups">each adapter's run of entries</param>
    /// <param name="rows">the row of each entry (a row of a blend once for each of its adapters); null when one adapter takes every row in order</param>
    /// <param name="weights">the blend weight of each entry; null when all are 1</param>
    private LoraBatch(IReadOnlyList<Group> groups, long[]? rows, float[]? weights, ScalarType dtype, Device device)
    {
        (_groups, _rows, _weights, _dtype, _device) = (groups, rows, weights, dtype, device);
        _kernelGroups = new LoraKernelGroup[groups.Count];
    }

    /// <summary>
    /// The updates for a pass over <paramref name="blends"/>.Count sequences of
    /// <paramref name="tokensPerSequence"/> tokens each, flattened into rows in order; null when no
    /// sequence uses an adapter.
    /// </summary>
    public static LoraBatch? For(IReadOnlyList<AdapterBlend?> blends, int tokensPerSequence, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(blends);
        var rowsByAdapter = new Dictionary<LowRankAdapter, (List<long> Rows, List<float> Weights)>(ReferenceEqualityComparer.Instance);
        for (var sequence = 0; sequence < blends.Count; sequence++)
        {
            // An adapter named twice in a blend is one entry with the summed weight: a row appears
            // at most once in an adapter's run.
            var merged = (blends[sequence]?.Adapters ?? [])
                .GroupBy(weighted => weighted.Adapter, ReferenceEqualityComparer.Instance)
                .Select(same => ((LowRankAdapter)same.Key!, same.Sum(weighted => weighted.Weight)));
            foreach (var (adapter, weight) in merged)
            {
                if (!rowsByAdapter.TryGetValue(adapter, out var rows))
                {
                    rows = ([], []);
                    rowsByAdapter.Add(adapter, rows);
                }

                for (var token = 0; token < tokensPerSequence; token++)
                {
                    rows.Rows.Add(((long)sequence * tokensPerSequence) + token);
                    rows.Weights.Add((float)weight);
                }
            }
        }

        if (rowsByAdapter.Count == 0)
        {
            return null;
        }

        var groups = new List<Group>();
        var (order, weights) = (new List<long>(), new List<float>());
        foreach (var (adapter, (rows, rowWeights)) in rowsByAdapter)
        {
            groups.Add(new Group(adapter, order.Count, rows.Count));
            order.AddRange(rows);
            weights.AddRange(rowWeights);
        }

        // One adapter on every row in order (a prefill chunk, say): no row list at all.
        var inOrder = groups.Count == 1 && order.Count == (long)blends.Count * tokensPerSequence;
        return new LoraBatch(
            groups,
            inOrder ? null : [.. order],
            weights.TrueForAll(weight => weight == 1f) ? null : [.. weights],
            dtype,
            device);
    }

    /// <summary>Adds every adapter's update at <paramref name="site"/> of <paramref name="layer"/> to the product's output.</summary>
    /// <param name="input">[batch, tokens, in]: what the site's base product read</param>
    /// <param name="output">[batch, tokens, out]: the base product, contiguous, changed in place</param>
    public void AddUpdates(int layer, LoraSite site, Tensor input, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        if (_groups.All(group => group.Adapter.Site(layer, site) is null) || AddedByKernel(layer, site, input, output))
        {
            return;
        }

        AddInLibtorch(layer, site, input, output);
    }

    public void Dispose()
    {
        _rowsTensor?.Dispose();
        _weightsTensor?.Dispose();
    }

    /// <returns>false, having changed nothing, when some adapter's update at the site cannot run in the native kernel</returns>
    private bool AddedByKernel(int layer, LoraSite site, Tensor input, Tensor output)
    {
        if (input.dtype != ScalarType.Float32 || input.device.type != DeviceType.CPU || !output.is_contiguous())
        {
            return false;
        }

        var count = 0;
        foreach (var group in _groups)
        {
            switch (group.Adapter.Site(layer, site))
            {
                case null:
                    continue;
                case { Kernel: { } kernel }:
                    _kernelGroups[count++] = new LoraKernelGroup(kernel, group.Start, group.Count);
                    break;
                default:
                    return false;
            }
        }

        using var rowsIn = input.contiguous();
        LoraKernel.AddUpdates(rowsIn, output, _rows, _weights, _kernelGroups.AsSpan(0, count));
        return true;
    }

    private void AddInLibtorch(int layer, LoraSite site, Tensor input, Tensor output)
    {
        // Each update is a few small products; see SingleThreadScope.
        using var oneThread = SingleThreadScope.Enter(input.device);
        using var scope = NewDisposeScope();
        _rowsTensor ??= _rows is null ? null : tensor(_rows, dtype: int64, device: _device).DetachFromDisposeScope();
        _weightsTensor ??= _weights is null ? null : tensor(_weights, device: _device).to(_dtype).unsqueeze(1).DetachFromDisposeScope();
        var rowsIn = input.reshape(-1, input.shape[^1]);
        var rowsOut = output.view(-1, output.shape[^1]);
        var gathered = _rowsTensor is null ? rowsIn : rowsIn.index_select(0, _rowsTensor);
        var updates = new List<Tensor>(_groups.Count);
        foreach (var group in _groups)
        {
            var weights = _weightsTensor?.narrow(0, group.Start, group.Count);
            updates.Add(group.Adapter.Site(layer, site) is { } update
                ? update.Compute(gathered.narrow(0, group.Start, group.Count), weights)
                : zeros([group.Count, rowsOut.shape[1]], dtype: rowsOut.dtype, device: rowsOut.device));
        }

        var all = updates.Count == 1 ? updates[0] : cat(updates, dim: 0);
        if (_rowsTensor is null)
        {
            rowsOut.add_(all);
        }
        else
        {
            rowsOut.index_add_(0, _rowsTensor, all, alpha: 1);
        }
    }

    /// <param name="Start">where the adapter's entries start</param>
    /// <param name="Count">how many rows it updates</param>
    private sealed record Group(LowRankAdapter Adapter, int Start, int Count);
}
