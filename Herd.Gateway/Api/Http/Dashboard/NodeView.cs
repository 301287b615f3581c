using Herd.Contracts.V1;

namespace Herd.Gateway.Api.Http.Dashboard;

/// <summary>One node as the dashboard shows it, from the herd's node directory.</summary>
/// <param name="Health">ready, draining or stale.</param>
/// <param name="DecodeTokensPerSecond">What the node reported in its last heartbeat; the page charts it over the minutes it is open.</param>
public sealed record NodeView(
    string NodeId,
    string Health,
    string Group,
    IReadOnlyList<string> Models,
    int Slots,
    int SlotsInUse,
    DateTimeOffset LastHeartbeat,
    double DecodeTokensPerSecond,
    string GatewayId)
{
    public static NodeView From(NodeSummary node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new NodeView(
            node.NodeId,
            Words(node.Health),
            node.Group,
            [.. node.Models.Select(model => model.Name)],
            node.Slots,
            node.SlotsInUse,
            node.LastHeartbeat?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch,
            node.DecodeTokensPerSecond,
            node.GatewayId);
    }

    private static string Words(NodeHealth health) => health switch
    {
        NodeHealth.Ready => "ready",
        NodeHealth.Draining => "draining",
        NodeHealth.Stale => "stale",
        _ => "unknown",
    };
}
