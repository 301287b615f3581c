using Herd.Contracts.V1;
using Herd.Gateway.Failures;
using Herd.Gateway.Nodes.Links;

namespace Herd.Gateway.Nodes.Catalog;

/// <summary>
/// Answers "is this model served?" for each request without a Redis round trip each time: a
/// model that a node linked to this gateway serves, or that was seen served within the last
/// second, is taken as served; anything else is looked up in the herd's node directory.
/// </summary>
public sealed class ModelCatalog(NodeDirectory directory, NodeRegistry registry, CatalogOptions options, TimeProvider time)
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    private volatile Snapshot _snapshot = new(new Dictionary<string, int>(StringComparer.Ordinal), DateTimeOffset.MinValue);

    /// <summary>The herd's nodes now, stale ones included.</summary>
    public Task<IReadOnlyList<NodeSummary>> NodesAsync() => directory.ListAsync(options.NodeStaleAfter, options.NodeForgetAfter);

    /// <summary>Checks that a ready node serves the model.</summary>
    /// <returns>The longest context length a node serves the model with (at least 1).</returns>
    /// <exception cref="RequestFailedException">The model is not served, or every node that serves it is draining (unavailable).</exception>
    public async ValueTask<int> RequireServedAsync(string model)
    {
        // A node linked to this gateway serves it: nothing to look up.
        var here = registry.LongestContextTakingWork(model);
        if (here > 0)
        {
            return here;
        }

        if (time.GetUtcNow() - _snapshot.TakenAt < Freshness && _snapshot.Models.TryGetValue(model, out var known))
        {
            return known;
        }

        var nodes = await NodesAsync().ConfigureAwait(false);
        var snapshot = new Snapshot(
            nodes.Where(node => node.Health == NodeHealth.Ready)
                .SelectMany(node => node.Models)
                .GroupBy(served => served.Name, StringComparer.Ordinal)
                .ToDictionary(group => group.Key, group => Math.Max(1, group.Max(served => served.ContextLength)), StringComparer.Ordinal),
            time.GetUtcNow());
        _snapshot = snapshot;
        if (snapshot.Models.TryGetValue(model, out var contextLength))
        {
            return contextLength;
        }

        if (nodes.Any(node => node.Health == NodeHealth.Draining && node.Models.Any(served => served.Name == model)))
        {
            throw new RequestFailedException(FailureKind.Unavailable, $"Every node that serves model '{model}' is draining; retry shortly.");
        }

        var served = snapshot.Models.Keys.Order(StringComparer.Ordinal).ToList();
        throw new RequestFailedException(FailureKind.ModelNotServed, served.Count == 0
            ? $"Model '{model}' is not served: no node is linked to the herd."
            : $"Model '{model}' is not served. Served models: {string.Join(", ", served)}.");
    }

    /// <param name="Models">Served model names and the longest context each is served with.</param>
    private sealed record Snapshot(IReadOnlyDictionary<string, int> Models, DateTimeOffset TakenAt);
}

/// <summary>How long the catalog trusts a node's last report, bound from <c>Herd:Gateway:Catalog</c>.</summary>
public sealed record CatalogOptions
{
    public const string Section = "Herd:Gateway:Catalog";

    /// <summary>No heartbeat for this long shows a node as stale; it gets no new work.</summary>
    public TimeSpan NodeStaleAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>No heartbeat for this long removes a node from the lists.</summary>
    public TimeSpan NodeForgetAfter { get; init; } = TimeSpan.FromMinutes(1);
}
