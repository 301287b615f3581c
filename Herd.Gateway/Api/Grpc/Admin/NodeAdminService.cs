using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Nodes.Catalog;
using Herd.Gateway.Nodes.Links;

namespace Herd.Gateway.Api.Grpc.Admin;

/// <summary>
/// <c>herd.v1.NodeAdmin</c>: loading, unloading and switching a node's models, through the link
/// this gateway holds to it, or through the gateway that holds it (<see cref="ModelCommandRelay"/>).
/// The call returns when the node has made the change (its new models are announced on the link
/// at the same time) or has refused it, saying why.
/// </summary>
public sealed class NodeAdminService(NodeRegistry registry, ModelCatalog catalog, ModelCommandRelay relay) : NodeAdmin.NodeAdminBase
{
    public override Task<NodeModels> LoadModel(NodeModelRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireModel(request.Model, "model");
        return ChangeAsync(request.NodeId, new ModelCommand { Load = request.Model }, context);
    }

    public override Task<NodeModels> UnloadModel(NodeModelRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireModel(request.Model, "model");
        return ChangeAsync(request.NodeId, new ModelCommand { Unload = request.Model }, context);
    }

    public override Task<NodeModels> SwitchModel(SwitchModelRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireModel(request.From, "from");
        RequireModel(request.To, "to");
        return ChangeAsync(request.NodeId, new ModelCommand { Switch = new SwitchModels { From = request.From, To = request.To } }, context);
    }

    private static void RequireModel(string model, string field)
    {
        if (model.Length is 0 or > 1000)
        {
            throw RequestFields.Invalid($"{field} must name a model of the node's catalog (1 to 1000 characters).");
        }
    }

    private async Task<NodeModels> ChangeAsync(string nodeId, ModelCommand command, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.RequireCaller();
        ModelCommandDone done;
        try
        {
            if (registry.TryGet(nodeId, out var connection))
            {
                done = await connection.ChangeModelsAsync(command, context.CancellationToken).ConfigureAwait(false);
            }
            else if ((await catalog.NodesAsync().ConfigureAwait(false)).FirstOrDefault(node => node.NodeId == nodeId && node.Health != NodeHealth.Stale) is { } elsewhere)
            {
                done = await relay.SendAsync(nodeId, elsewhere.GatewayId, command, context.CancellationToken).ConfigureAwait(false);
            }
            else
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"No node {nodeId} is linked to the herd; ListNodes shows the nodes."));
            }
        }
        catch (NodeLinkLostException error)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, error.Message));
        }

        if (done.StatusCode != 0)
        {
            throw new RpcException(new Status((StatusCode)done.StatusCode, done.Message));
        }

        return new NodeModels { NodeId = nodeId, Models = { done.Models } };
    }
}
