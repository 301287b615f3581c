using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Links;

namespace Herd.Gateway.Catalog;

/// <summary>
/// Answers "is this model served?" for each request without a Redis round trip each time: a
/// model that a node linked to this gateway serves, or that was seen served within the last
/// second, is taken as served; anything else is looked up in the herd's node directory.
/// </summary>
public sealed class ModelCatalog(NodeDirectory directory, NodeRegistry registry, CatalogOptions options, TimeProvider time)
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    private volatile Snapshot _snapshot = new(new HashSet<string>(StringComparer.Ordinal), DateTimeOffset.MinValue);

    /// <summary>The herd's nodes now, stale ones included.</summary>
    public Task<IReadOnlyList<NodeSummary>> NodesAsync() => directory.ListAsync(options.NodeStaleAfter, options.NodeForgetAfter);

    /// <exception cref="RpcException">NOT_FOUND when no node serves the model, UNAVAILABLE when all that serve it are draining.</exception>
    public async Task RequireServedAsync(string model)
    {
        if (ServedHere(model) || (time.GetUtcNow() - _snapshot.TakenAt < Freshness && _snapshot.Models.Contains(model)))
        {
            return;
        }

        var nodes = await NodesAsync().ConfigureAwait(false);
        var snapshot = new Snapshot(
            nodes.Where(node => node.Health == NodeHealth.Ready).SelectMany(node => node.Models).Select(served => served.Name).ToHashSet(StringComparer.Ordinal),
            time.GetUtcNow());
        _snapshot = snapshot;
        if (snapshot.Models.Contains(model))
        {
            return;
        }

        if (nodes.Any(node => node.Health == NodeHealth.Draining && node.Models.Any(served => served.Name == model)))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"Every node that serves model '{model}' is draining; retry shortly."));
        }

        var served = snapshot.Models.Order(StringComparer.Ordinal).ToList();
        throw new RpcException(new Status(StatusCode.NotFound, served.Count == 0
            ? $"Model '{model}' is not served: no node is linked to the herd."
            : $"Model '{model}' is not served. Served models: {string.Join(", ", served)}."));
    }

    /// <summary>A node linked to this gateway serves the model and takes work: nothing to look up.</summary>
    private bool ServedHere(string model) => registry.AnyTakingWorkServes(model);

    private sealed record Snapshot(IReadOnlySet<string> Models, DateTimeOffset TakenAt);
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
