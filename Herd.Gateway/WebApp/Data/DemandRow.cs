using Herd.Contracts.V1;

namespace Herd.Gateway.WebApp.Data;

/// <summary>One decision of the demand policy as the Nodes tab lists it.</summary>
/// <param name="NodeId">the node switched; empty when none could be</param>
/// <param name="Outcome">switched, failed or blocked</param>
public sealed record DemandRow(DateTimeOffset At, string Model, string NodeId, string SwitchedFrom, string Reason, string Outcome, string Detail, string GatewayId)
{
    public static DemandRow From(DemandDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new DemandRow(
            decision.At?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch,
            decision.Model,
            decision.NodeId,
            decision.From,
            decision.Reason,
            decision.Outcome,
            decision.Detail,
            decision.GatewayId);
    }
}

/// <summary>The demand policy as the Nodes tab shows it: whether it is on, who runs it, what it decided lately.</summary>
/// <param name="Leader">the gateway that runs it now; null when none does</param>
public sealed record DemandView(bool Enabled, string? Leader, IReadOnlyList<DemandRow> Decisions)
{
    /// <summary>One line on the policy's state.</summary>
    public string State => (Enabled, Leader) switch
    {
        (false, _) => "Off: nodes change models only on command (Herd:Gateway:Demand:Enabled).",
        (true, null) => "On, but no gateway runs it just now; one claims it within a few seconds.",
        (true, { } leader) => $"On, run by gateway {leader}.",
    };
}
