using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Experts;
using Herd.Gateway.Ledger;
using Herd.Gateway.Nodes.Catalog;

namespace Herd.Gateway.Api.Grpc.Admin;

/// <summary>
/// <c>herd.v1.Experts</c>: the herd's expert registry. A change is stored in the ledger, then sent
/// to the model's nodes (<see cref="ExpertDistribution"/>), which route among the experts and
/// announce them again.
/// </summary>
public sealed class ExpertsService(ExpertStore store, ExpertDistribution distribution, ModelCatalog catalog) : Contracts.V1.Experts.ExpertsBase
{
    public override async Task<RegisteredExpert> PutExpert(PutExpertRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = context.RequireCaller();
        if (ExpertRules.Problems(request) is { Count: > 0 } problems)
        {
            throw RequestFields.Invalid(string.Join(" ", problems));
        }

        var expert = request.Expert;
        var nodes = await catalog.NodesAsync().ConfigureAwait(false);
        RequireAnnouncedAdapter(nodes, request.Model, expert.Adapter);
        var stored = await store.PutAsync(
            new ExpertRecord
            {
                Model = request.Model,
                Name = expert.Name,
                Adapter = expert.Adapter,
                Samples = [.. expert.Samples],
                Centroid = [.. expert.Centroid],
                CentroidEmbedding = expert.Centroid.Count == 0 ? "" : (expert.CentroidEmbedding is { Length: > 0 } embedding ? embedding : ExpertRules.DefaultEmbedding),
            },
            caller.KeyId,
            context.CancellationToken).ConfigureAwait(false);
        await distribution.PublishAsync(request.Model, context.CancellationToken).ConfigureAwait(false);
        return Message(stored, nodes);
    }

    public override async Task<DeleteExpertResponse> DeleteExpert(DeleteExpertRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = context.RequireCaller();
        if (!await store.DeleteAsync(request.Model, request.Name, caller.KeyId, context.CancellationToken).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"Model '{request.Model}' has no registered expert '{request.Name}'; ListExperts shows them."));
        }

        await distribution.PublishAsync(request.Model, context.CancellationToken).ConfigureAwait(false);
        return new DeleteExpertResponse();
    }

    public override async Task<ListExpertsResponse> ListExperts(ListExpertsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        context.RequireCaller();
        var experts = await store.ListAsync(request.Model.Length == 0 ? null : request.Model, context.CancellationToken).ConfigureAwait(false);
        var nodes = await catalog.NodesAsync().ConfigureAwait(false);
        return new ListExpertsResponse { Experts = { experts.Select(expert => Message(expert, nodes)) } };
    }

    // Nodes of one model are expected to hold the same adapters; an expert whose adapter no node
    // has would route to nothing.
    private static void RequireAnnouncedAdapter(IReadOnlyList<NodeSummary> nodes, string model, string adapter)
    {
        var served = nodes.Where(node => node.Health == NodeHealth.Ready).SelectMany(node => node.Models).Where(offer => offer.Name == model).ToList();
        if (served.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"No ready node serves model '{model}'; ListModels shows the models served now."));
        }

        if (!served.Any(offer => offer.Adapters.Contains(adapter)))
        {
            var known = served.SelectMany(offer => offer.Adapters).Distinct().Order(StringComparer.Ordinal).ToList();
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"No node of model '{model}' has adapter '{adapter}' ({(known.Count == 0 ? "they have no adapters" : "they have " + string.Join(", ", known))}). Put the adapter in the nodes' adapters folder first."));
        }
    }

    private static RegisteredExpert Message(ExpertRecord record, IReadOnlyList<NodeSummary> nodes)
    {
        var message = new RegisteredExpert
        {
            Model = record.Model,
            Expert = ExpertDistribution.Spec(record),
            UpdatedAt = Timestamp.FromDateTimeOffset(record.UpdatedAt),
        };
        message.Nodes.AddRange(nodes
            .Where(node => node.Models.Any(served => served.Name == record.Model && served.Experts.Contains(record.Name)))
            .Select(node => node.NodeId)
            .Order(StringComparer.Ordinal));
        return message;
    }
}
