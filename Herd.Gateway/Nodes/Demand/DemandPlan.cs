namespace Herd.Gateway.Nodes.Demand;

/// <summary>What the demand policy decided in one look at the herd.</summary>
/// <param name="Switches">Nodes to switch, at most one per node.</param>
/// <param name="Blocked">Demanded models that no node could be switched to, with why.</param>
public sealed record DemandPlan(IReadOnlyList<PlannedSwitch> Switches, IReadOnlyList<BlockedDemand> Blocked);

/// <summary>Switch <paramref name="NodeId"/> from <paramref name="From"/> to <paramref name="To"/>.</summary>
/// <param name="Reason"><see cref="DemandReasons.Unserved"/> or <see cref="DemandReasons.Waiting"/>.</param>
public sealed record PlannedSwitch(string NodeId, string From, string To, string Reason);

/// <summary>A demanded model that got no node, and why, node by node.</summary>
public sealed record BlockedDemand(string Model, string Reason, string Detail);

/// <summary>Why the policy looks for a node for a model.</summary>
public static class DemandReasons
{
    /// <summary>Jobs wait and no ready node serves the model.</summary>
    public const string Unserved = "unserved";

    /// <summary>The model's oldest job has waited past the threshold.</summary>
    public const string Waiting = "waiting";
}

/// <summary>How a decision of the demand policy ended.</summary>
public static class DemandOutcomes
{
    public const string Switched = "switched";
    public const string Failed = "failed";
    public const string Blocked = "blocked";
}
