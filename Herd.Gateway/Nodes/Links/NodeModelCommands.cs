using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Nodes.Catalog;

namespace Herd.Gateway.Nodes.Links;

/// <summary>
/// Sends a node a model command (load, unload, switch) wherever its link is: over the link this
/// gateway holds to it, or through the gateway that holds it (<see cref="ModelCommandRelay"/>).
/// The admin API and the demand policy both change nodes' models through it.
/// </summary>
public sealed class NodeModelCommands(NodeRegistry registry, ModelCatalog catalog, ModelCommandRelay relay)
{
    /// <summary>Runs <paramref name="command"/> on <paramref name="nodeId"/> and returns its answer; a node that refused says why in its status.</summary>
    /// <exception cref="RpcException">NOT_FOUND: no such node is linked; UNAVAILABLE: its link dropped before it answered.</exception>
    /// <exception cref="OperationCanceledException">No answer before <paramref name="cancellationToken"/> fired.</exception>
    public async Task<ModelCommandDone> SendAsync(string nodeId, ModelCommand command, CancellationToken cancellationToken)
    {
        try
        {
            if (registry.TryGet(nodeId, out var connection))
            {
                return await connection.ChangeModelsAsync(command, cancellationToken).ConfigureAwait(false);
            }

            if ((await catalog.NodesAsync().ConfigureAwait(false)).FirstOrDefault(node => node.NodeId == nodeId && node.Health != NodeHealth.Stale) is { } elsewhere)
            {
                return await relay.SendAsync(nodeId, elsewhere.GatewayId, command, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (NodeLinkLostException error)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, error.Message));
        }

        throw new RpcException(new Status(StatusCode.NotFound, $"No node {nodeId} is linked to the herd; ListNodes shows the nodes."));
    }
}
