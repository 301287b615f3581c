using System.ComponentModel.DataAnnotations;

namespace Herd.Gateway.Nodes.Demand;

/// <summary>
/// The demand policy's settings, bound from <c>Herd:Gateway:Demand</c>: when it switches an idle
/// node to a model whose jobs wait. One gateway of the herd at a time runs it.
/// </summary>
public sealed record DemandOptions
{
    public const string Section = "Herd:Gateway:Demand";

    /// <summary>
    /// Runs the policy. Also lets requests queue for a model that no node serves yet but some
    /// ready node has in its catalog, for the policy to give it a node.
    /// </summary>
    public bool Enabled { get; init; }

    /// <summary>How often the leader looks at the queues and nodes.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = "Herd:Gateway:Demand:Interval must be between 00:00:00.100 and 00:05:00.")]
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A served model whose oldest waiting job has waited this long asks for another node.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Herd:Gateway:Demand:WaitThreshold must be between 00:00:00 and 1.00:00:00.")]
    public TimeSpan WaitThreshold { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a node must have run no job before it may be switched.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Herd:Gateway:Demand:IdleFor must be between 00:00:00 and 1.00:00:00.")]
    public TimeSpan IdleFor { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The least time between two switches of one node, so that two demands do not toss it back and forth.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00", ErrorMessage = "Herd:Gateway:Demand:MinTimeBetweenSwitches must be between 00:00:00 and 7.00:00:00.")]
    public TimeSpan MinTimeBetweenSwitches { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the policy waits for a node to make a switch (loading the new model included).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Herd:Gateway:Demand:SwitchTimeout must be between 00:00:01 and 01:00:00.")]
    public TimeSpan SwitchTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Models pinned to nodes, by node id: the policy never switches such a node away from its model.</summary>
    public IDictionary<string, string> Pinned { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>How long the leader's claim lasts without renewal: a gateway takes over this long after the leader dies.</summary>
    public TimeSpan LeaderLease => Interval * 3 < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : Interval * 3;
}
