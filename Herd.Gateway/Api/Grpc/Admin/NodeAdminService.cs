using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Nodes.Links;

namespace Herd.Gateway.Api.Grpc.Admin;

/// <summary>
/// <c>herd.v1.NodeAdmin</c>: loading, unloading and switching a node's models, wherever its link
/// is (<see cref="NodeModelCommands"/>).
/// The call returns when the node has made the change (its new models are announced on the link
/// at the same time) or has refused it, saying why.
/// </summary>
public sealed class NodeAdminService(NodeModelCommands commands) : NodeAdmin.NodeAdminBase
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
        var done = await commands.SendAsync(nodeId, command, context.CancellationToken).ConfigureAwait(false);
        if (done.StatusCode != 0)
        {
            throw new RpcException(new Status((StatusCode)done.StatusCode, done.Message));
        }

        return new NodeModels { NodeId = nodeId, Models = { done.Models } };
    }
}
