using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Nodes.Catalog;
using Herd.Gateway.Nodes.Demand;
using Herd.Gateway.Queue;

namespace Herd.Gateway.Api.Grpc;

/// <summary><c>herd.v1.Catalog</c>: the models and nodes of the whole herd, from any gateway replica.</summary>
public sealed class CatalogService(ModelCatalog catalog, JobQueue queue, DemandJournal demandJournal, DemandLeadership demandLeadership) : Contracts.V1.Catalog.CatalogBase
{
    /// <summary>How many of the demand policy's latest decisions ListNodes returns.</summary>
    public const int DecisionsListed = 20;

    public override async Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        var nodes = await catalog.NodesAsync().ConfigureAwait(false);
        var names = nodes.SelectMany(node => node.Models).Select(model => model.Name).Distinct(StringComparer.Ordinal).ToList();
        var depths = await Task.WhenAll(names.Select(async name => (Name: name, Depth: await queue.DepthAsync(name).ConfigureAwait(false)))).ConfigureAwait(false);
        var response = new ListModelsResponse();
        response.Models.AddRange(NodeDirectory.Models(nodes, depths.ToDictionary(entry => entry.Name, entry => entry.Depth, StringComparer.Ordinal)));
        return response;
    }

    public override async Task<ListNodesResponse> ListNodes(ListNodesRequest request, ServerCallContext context)
    {
        var nodes = catalog.NodesAsync();
        var decisions = demandJournal.LatestAsync(DecisionsListed);
        var leader = demandLeadership.LeaderAsync();
        var response = new ListNodesResponse { DemandLeader = await leader.ConfigureAwait(false) ?? "" };
        response.Nodes.AddRange(await nodes.ConfigureAwait(false));
        response.DemandDecisions.AddRange(await decisions.ConfigureAwait(false));
        return response;
    }
}
