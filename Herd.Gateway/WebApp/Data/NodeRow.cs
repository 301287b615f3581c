using System.Globalization;
using Herd.Contracts.V1;

namespace Herd.Gateway.WebApp.Data;

/// <summary>One node as the Nodes tab shows it, from the herd's node directory.</summary>
/// <param name="Health">ready, draining or stale.</param>
/// <param name="Models">the models it serves, and the one it is loading, if any, with for how long.</param>
/// <param name="SlotsInUse">Jobs the node runs now, of <paramref name="Slots"/>, as its last heartbeat reported.</param>
/// <param name="Served">the names of the models it serves</param>
/// <param name="Catalog">the models it may load on command</param>
/// <param name="Loading">the model it is loading now; empty when none</param>
public sealed record NodeRow(
    string NodeId,
    string Health,
    string Group,
    string Models,
    IReadOnlyList<string> Served,
    IReadOnlyList<string> Catalog,
    string Loading,
    int Slots,
    int SlotsInUse,
    double DecodeTokensPerSecond,
    string Device,
    string GatewayId,
    DateTimeOffset LastHeartbeat)
{
    public static NodeRow From(NodeSummary node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new NodeRow(
            node.NodeId,
            Words(node.Health),
            node.Group,
            ModelsOf(node),
            [.. node.Models.Select(model => model.Name)],
            [.. node.Catalog],
            node.Loading,
            node.Slots,
            node.SlotsInUse,
            node.DecodeTokensPerSecond,
            node.Device,
            node.GatewayId,
            node.LastHeartbeat?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch);
    }

    private static string ModelsOf(NodeSummary node)
    {
        var served = string.Join(", ", node.Models.Select(model => model.Name));
        return node.Loading.Length == 0 ? served
            : string.Create(CultureInfo.InvariantCulture, $"{served} (loading {node.Loading}, {node.LoadingProgress * 100:F0} %, {node.LoadingFor?.ToTimeSpan().TotalSeconds ?? 0:F0} s)");
    }

    private static string Words(NodeHealth health) => health switch
    {
        NodeHealth.Ready => "ready",
        NodeHealth.Draining => "draining",
        NodeHealth.Stale => "stale",
        _ => "unknown",
    };
}
