using Herd.Contracts.V1;
using Herd.Gateway.Adapters;
using Herd.Gateway.Failures;
using Herd.Gateway.Nodes.Links;

namespace Herd.Gateway.Nodes.Catalog;

/// <summary>
/// Answers "is this model served?" for each request without a Redis round trip each time: a
/// model that a node linked to this gateway serves, or that was seen served within the last
/// second, is taken as served; anything else is looked up in the herd's node directory. A name
/// with adapters (<c>base:adapter</c>, <c>base:auto</c>) is served when a ready node serves the
/// base with that adapter, or with experts; a model whose own name has the colon wins. With
/// <see cref="QueuesLoadableModels"/>, a model a ready node may load counts as served too.
/// </summary>
public sealed class ModelCatalog(NodeDirectory directory, NodeRegistry registry, CatalogOptions options, TimeProvider time)
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    /// <summary>The context length assumed for a model no node serves yet when no node serves anything.</summary>
    public const int LoadableContextLength = 4096;

    private volatile Snapshot _snapshot = new(new Dictionary<string, ModelOffer>(StringComparer.Ordinal), DateTimeOffset.MinValue);

    /// <summary>
    /// Takes a model that no node serves but a ready node may load (its catalog) as served, so
    /// that its jobs queue for the demand policy to give it a node.
    /// </summary>
    public bool QueuesLoadableModels { get; init; }

    /// <summary>The herd's nodes now, stale ones included.</summary>
    public Task<IReadOnlyList<NodeSummary>> NodesAsync() => directory.ListAsync(options.NodeStaleAfter, options.NodeForgetAfter);

    /// <summary>What the ready nodes among <paramref name="nodes"/> offer, by model name.</summary>
    public static IReadOnlyDictionary<string, ModelOffer> ReadyOffers(IEnumerable<NodeSummary> nodes) =>
        ModelOffer.Of(nodes.Where(node => node.Health == NodeHealth.Ready).SelectMany(node => node.Models));

    /// <summary>Checks that a ready node serves the model (see <see cref="ResolveAsync"/>).</summary>
    /// <returns>The longest context length a node serves the model with (at least 1).</returns>
    /// <exception cref="RequestFailedException">The model is not served, or every node that serves it is draining (unavailable).</exception>
    public async ValueTask<int> RequireServedAsync(string model) => (await ResolveAsync(model).ConfigureAwait(false)).ContextLength;

    /// <summary>What a request's model name asks for, checked against the ready nodes.</summary>
    /// <exception cref="RequestFailedException">
    /// The model is not served, or has no such adapter or no experts (not served, naming what it
    /// has); or every node that serves it is draining (unavailable).
    /// </exception>
    public async ValueTask<ModelChoice> ResolveAsync(string model)
    {
        ArgumentNullException.ThrowIfNull(model);

        // A node linked to this gateway serves it: nothing to look up.
        var here = registry.LongestContextTakingWork(model);
        if (here > 0)
        {
            return new ModelChoice(model, here);
        }

        var named = AdapterModelName.TryParse(model, out var parsed) ? parsed : null;
        if (named is not null && Choose(model, named, ModelOffer.Of(registry.ServedTakingWork(named.Base))) is { } local)
        {
            return local;
        }

        if (time.GetUtcNow() - _snapshot.TakenAt < Freshness && Choose(model, named, _snapshot.Offers) is { } known)
        {
            return known;
        }

        var nodes = await NodesAsync().ConfigureAwait(false);
        var snapshot = new Snapshot(ReadyOffers(nodes), time.GetUtcNow());
        _snapshot = snapshot;
        if (Choose(model, named, snapshot.Offers) is { } served)
        {
            return served;
        }

        var draining = ModelOffer.Of(nodes.Where(node => node.Health == NodeHealth.Draining).SelectMany(node => node.Models));
        if (Choose(model, named, draining) is not null)
        {
            throw new RequestFailedException(FailureKind.Unavailable, $"Every node that serves model '{model}' is draining; retry shortly.");
        }

        if (QueuesLoadableModels && named is null && nodes.Any(node => node.Health == NodeHealth.Ready && node.Catalog.Contains(model)))
        {
            // Its context is known once a node loads it; until then, the longest the herd serves.
            return new ModelChoice(model, snapshot.Offers.Count > 0 ? snapshot.Offers.Values.Max(offer => offer.ContextLength) : LoadableContextLength);
        }

        if (named is not null && snapshot.Offers.TryGetValue(named.Base, out var baseOffer))
        {
            throw new RequestFailedException(FailureKind.ModelNotServed, baseOffer.Lacks(named));
        }

        var names = snapshot.Offers.Keys.Order(StringComparer.Ordinal).ToList();
        throw new RequestFailedException(FailureKind.ModelNotServed, names.Count == 0
            ? $"Model '{model}' is not served: no node is linked to the herd."
            : $"Model '{model}' is not served. Served models: {string.Join(", ", names)}.");
    }

    /// <summary>The model served under its whole name, else the adapter or routing its name asks of its base; null when neither is offered.</summary>
    private static ModelChoice? Choose(string model, AdapterModelName? named, IReadOnlyDictionary<string, ModelOffer> offers) =>
        offers.TryGetValue(model, out var whole) ? whole.Alone
        : named is not null && offers.TryGetValue(named.Base, out var baseOffer) ? baseOffer.Choose(named)
        : null;

    /// <param name="Offers">What the ready nodes offer, by served model name.</param>
    private sealed record Snapshot(IReadOnlyDictionary<string, ModelOffer> Offers, DateTimeOffset TakenAt);
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
