using Herd.Node.Serving;

namespace Herd.Node.Link;

/// <summary>What the node tells its gateways about its models: names, contexts, adapters and experts.</summary>
internal static class ModelAnnouncement
{
    public static List<Contracts.V1.ServedModel> Of(ModelHost host) => [.. host.Models.Select(Of)];

    private static Contracts.V1.ServedModel Of(Serving.ServedModel model)
    {
        var served = new Contracts.V1.ServedModel { Name = model.Name, ContextLength = model.Engine.ContextLength };
        served.Adapters.AddRange(model.Adapters.Names);
        served.Experts.AddRange(model.Experts.All.Select(expert => expert.Name));
        return served;
    }
}
