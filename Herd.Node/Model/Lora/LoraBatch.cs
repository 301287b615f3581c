using static TorchSharp.torch;

namespace Herd.Node.Model.Lora;

/// <summary>
/// Which adapter updates a forward pass adds, row by row. The base product runs once for the whole
/// batch; then each adapter in use adds its update to the rows of the sequences that use it (with
/// their blend weights), so sequences with different adapters, or none, never split a batch. At
/// each product the rows are gathered once, ordered by adapter, so that each adapter reads a
/// contiguous run of them, and the updates are added back in one step.
/// </summary>
public sealed class LoraBatch : IDisposable
{
    private readonly IReadOnlyList<Group> _groups;
    private readonly Tensor? _order;
    private readonly Tensor? _weights;

    /// <param name="groups">each adapter's run of rows in <paramref name="order"/></param>
    /// <param name="order">[n] int64: the rows, grouped by adapter (a row of a blend once for each of its adapters); null when one adapter takes every row in order</param>
    /// <param name="weights">[n, 1] the blend weight of each entry of <paramref name="order"/>; null when all are 1</param>
    private LoraBatch(IReadOnlyList<Group> groups, Tensor? order, Tensor? weights)
    {
        _groups = groups;
        _order = order;
        _weights = weights;
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
            foreach (var (adapter, weight) in blends[sequence]?.Adapters ?? [])
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

        // One adapter on every row in order (a prefill chunk, say): no gathering at all.
        var inOrder = groups.Count == 1 && order.Count == (long)blends.Count * tokensPerSequence;
        return new LoraBatch(
            groups,
            inOrder ? null : tensor(order.ToArray(), dtype: int64, device: device),
            weights.TrueForAll(weight => weight == 1f) ? null : tensor(weights.ToArray(), device: device).to(dtype).unsqueeze(1));
    }

    /// <summary>Adds every adapter's update at <paramref name="site"/> of <paramref name="layer"/> to the product's output.</summary>
    /// <param name="input">[batch, tokens, in]: what the site's base product read</param>
    /// <param name="output">[batch, tokens, out]: the base product, contiguous, changed in place</param>
    public void AddUpdates(int layer, LoraSite site, Tensor input, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        if (_groups.All(group => group.Adapter.Site(layer, site) is null))
        {
            return;
        }

        // Each update is a few small products; see SingleThreadScope.
        using var oneThread = SingleThreadScope.Enter(input.device);
        using var scope = NewDisposeScope();
        var rowsIn = input.reshape(-1, input.shape[^1]);
        var rowsOut = output.view(-1, output.shape[^1]);
        var gathered = _order is null ? rowsIn : rowsIn.index_select(0, _order);
        var updates = new List<Tensor>(_groups.Count);
        foreach (var group in _groups)
        {
            var weights = _weights?.narrow(0, group.Start, group.Count);
            updates.Add(group.Adapter.Site(layer, site) is { } update
                ? update.Compute(gathered.narrow(0, group.Start, group.Count), weights)
                : zeros([group.Count, rowsOut.shape[1]], dtype: rowsOut.dtype, device: rowsOut.device));
        }

        var all = updates.Count == 1 ? updates[0] : cat(updates, dim: 0);
        if (_order is null)
        {
            rowsOut.add_(all);
        }
        else
        {
            rowsOut.index_add_(0, _order, all, alpha: 1);
        }
    }

    public void Dispose()
    {
        _order?.Dispose();
        _weights?.Dispose();
    }

    /// <param name="Start">where the adapter's rows start in the gathered order</param>
    /// <param name="Count">how many rows it updates</param>
    private sealed record Group(LowRankAdapter Adapter, int Start, int Count);
}
