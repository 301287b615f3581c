using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Nodes.Catalog;
using Herd.Gateway.Queue;

namespace Herd.Gateway.Api.Grpc;

/// <summary><c>herd.v1.Catalog</c>: the models and nodes of the whole herd, from any gateway replica.</summary>
public sealed class CatalogService(ModelCatalog catalog, JobQueue queue) : Contracts.V1.Catalog.CatalogBase
{
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
        var response = new ListNodesResponse();
        response.Nodes.AddRange(await catalog.NodesAsync().ConfigureAwait(false));
        return response;
    }
}
