using static TorchSharp.torch;

namespace Herd.Node.Model.Lora;

/// <summary>
/// Which adapter updates a forward pass adds, row by row. The base product runs once for the whole
/// batch; then each adapter in use adds its update to the rows of the sequences that use it (with
/// their blend weights), so sequences with different adapters, or none, never split a batch.
/// </summary>
public sealed class LoraBatch : IDisposable
{
    private readonly IReadOnlyList<Group> _groups;

    private LoraBatch(IReadOnlyList<Group> groups)
    {
        _groups = groups;
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
                if (!rowsByAdapter.TryGetValue(adapter, out var group))
                {
                    group = ([], []);
                    rowsByAdapter.Add(adapter, group);
                }

                for (var token = 0; token < tokensPerSequence; token++)
                {
                    group.Rows.Add(((long)sequence * tokensPerSequence) + token);
                    group.Weights.Add((float)weight);
                }
            }
        }

        if (rowsByAdapter.Count == 0)
        {
            return null;
        }

        var allRows = (long)blends.Count * tokensPerSequence;
        var groups = rowsByAdapter.Select(pair =>
        {
            var (rows, weights) = pair.Value;
            // Every row, each with weight 1 (one adapter for a whole prefill chunk, say): no indexing at all.
            var everyRow = rows.Count == allRows;
            var unweighted = weights.TrueForAll(weight => weight == 1f);
            return new Group(
                pair.Key,
                everyRow ? null : tensor(rows.ToArray(), dtype: int64, device: device),
                unweighted ? null : tensor(weights.ToArray(), device: device).to(dtype).unsqueeze(1));
        }).ToList();
        return new LoraBatch(groups);
    }

    /// <summary>Adds every adapter's update at <paramref name="site"/> of <paramref name="layer"/> to the product's output.</summary>
    /// <param name="input">[batch, tokens, in]: what the site's base product read</param>
    /// <param name="output">[batch, tokens, out]: the base product, contiguous, changed in place</param>
    public void AddUpdates(int layer, LoraSite site, Tensor input, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        // Each update is a few small products; see SingleThreadScope.
        using var oneThread = SingleThreadScope.Enter(input.device);
        using var rowsIn = input.reshape(-1, input.shape[^1]);
        using var rowsOut = output.view(-1, output.shape[^1]);
        foreach (var group in _groups)
        {
            group.Adapter.Site(layer, site)?.AddTo(rowsIn, rowsOut, group.Rows, group.Weights);
        }
    }

    public void Dispose()
    {
        foreach (var group in _groups)
        {
            group.Rows?.Dispose();
            group.Weights?.Dispose();
        }
    }

    /// <param name="Rows">[n] int64 rows that use the adapter; null for every row</param>
    /// <param name="Weights">[n, 1] their blend weights; null for weight 1</param>
    private sealed record Group(LowRankAdapter Adapter, Tensor? Rows, Tensor? Weights);
}
