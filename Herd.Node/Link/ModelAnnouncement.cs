using Herd.Node.Experts;

namespace Herd.Node.Link;

/// <summary>What the node tells its gateways about its model: its name, context, adapters and experts.</summary>
internal static class ModelAnnouncement
{
    public static Contracts.V1.ServedModel Of(Serving.ServedModel model, ExpertRegistry experts)
    {
        var served = new Contracts.V1.ServedModel { Name = model.Name, ContextLength = model.Engine.ContextLength };
        served.Adapters.AddRange(model.Adapters.Names);
        served.Experts.AddRange(experts.All.Select(expert => expert.Name));
        return served;
    }
}
