using Herd.Contracts.V1;

namespace Herd.Gateway.Nodes.Demand;

/// <summary>
/// Decides which idle nodes to switch to which demanded models, from one look at the herd: a
/// model with waiting jobs and no ready node serving it, or whose oldest job waited past
/// <see cref="DemandOptions.WaitThreshold"/>, gets a ready node that has it in its catalog, has
/// run no job for <see cref="DemandOptions.IdleFor"/>, was not switched within
/// <see cref="DemandOptions.MinTimeBetweenSwitches"/>, and gives up a model that is not pinned to
/// it and that keeps another node if jobs wait for it. Models whose jobs waited longest choose
/// first; among fitting nodes the one idle longest goes.
/// </summary>
public sealed class DemandPolicy(DemandOptions options)
{
    /// <param name="nodes">the herd's nodes, as the node directory lists them</param>
    /// <param name="demands">the models with waiting jobs</param>
    /// <param name="idleSince">since when each node has run no job (absent: busy now)</param>
    /// <param name="lastSwitched">when the policy last switched each node</param>
    /// <param name="switching">nodes whose switch is still under way</param>
    public DemandPlan Decide(
        IReadOnlyList<NodeSummary> nodes,
        IReadOnlyList<ModelDemand> demands,
        IReadOnlyDictionary<string, DateTimeOffset> idleSince,
        IReadOnlyDictionary<string, DateTimeOffset> lastSwitched,
        IReadOnlySet<string> switching,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(demands);
        var ready = nodes.Where(node => node.Health == NodeHealth.Ready).ToList();
        var waiting = demands.Where(demand => demand.Waiting > 0).ToDictionary(demand => demand.Model, StringComparer.Ordinal);
        var leaving = new List<(string NodeId, string Model)>();
        var switches = new List<PlannedSwitch>();
        var blocked = new List<BlockedDemand>();
        foreach (var demand in waiting.Values.OrderByDescending(demand => demand.OldestWait).ThenBy(demand => demand.Model, StringComparer.Ordinal))
        {
            var servers = ready.Where(node => Serves(node, demand.Model)).ToList();
            var reason = servers.Count == 0 ? DemandReasons.Unserved
                : demand.OldestWait >= options.WaitThreshold ? DemandReasons.Waiting
                : null;
            // A node is already loading it (switched by the policy or an operator): wait for that.
            if (reason is null || ready.Any(node => node.Loading == demand.Model) || switches.Any(planned => planned.To == demand.Model))
            {
                continue;
            }

            var refusals = new List<string>();
            var fitting = new List<(NodeSummary Node, string From)>();
            foreach (var node in ready.Where(node => node.Catalog.Contains(demand.Model) && !Serves(node, demand.Model)))
            {
                if (Unfit(node, demand.Model) is { } refusal)
                {
                    refusals.Add($"{node.NodeId} {refusal}");
                }
                else if (GiveUp(node) is { } from)
                {
                    fitting.Add((node, from));
                }
                else
                {
                    refusals.Add($"{node.NodeId} serves only models that are pinned to it or whose waiting jobs would have no node");
                }
            }

            if (fitting.Count == 0)
            {
                blocked.Add(new BlockedDemand(demand.Model, reason, refusals.Count == 0
                    ? $"No ready node has {demand.Model} in its catalog (Herd:Node:Catalog)."
                    : $"No node can switch to {demand.Model}: {string.Join("; ", refusals)}."));
                continue;
            }

            var (chosen, given) = fitting.OrderBy(fit => idleSince[fit.Node.NodeId]).ThenBy(fit => fit.Node.NodeId, StringComparer.Ordinal).First();
            leaving.Add((chosen.NodeId, given));
            switches.Add(new PlannedSwitch(chosen.NodeId, given, demand.Model, reason));
        }

        return new DemandPlan(switches, blocked);

        string? Unfit(NodeSummary node, string model)
        {
            if (switching.Contains(node.NodeId) || node.Loading.Length > 0 || switches.Any(planned => planned.NodeId == node.NodeId))
            {
                return "is switching already";
            }

            if (node.SlotsInUse > 0 || !idleSince.TryGetValue(node.NodeId, out var idle))
            {
                return "is running jobs";
            }

            if (now - idle < options.IdleFor)
            {
                return $"has been idle only {(now - idle).TotalSeconds:0} s of the {options.IdleFor.TotalSeconds:0} s required (Herd:Gateway:Demand:IdleFor)";
            }

            if (lastSwitched.TryGetValue(node.NodeId, out var switched) && now - switched < options.MinTimeBetweenSwitches)
            {
                return $"was switched {(now - switched).TotalSeconds:0} s ago (Herd:Gateway:Demand:MinTimeBetweenSwitches is {options.MinTimeBetweenSwitches.TotalSeconds:0} s)";
            }

            return options.Pinned.TryGetValue(node.NodeId, out var pinned) && node.Models.Count == 1 && node.Models[0].Name == pinned
                ? $"is pinned to {pinned} (Herd:Gateway:Demand:Pinned)"
                : null;
        }

        // The model the node gives up: not pinned to it, and not one whose waiting jobs would be
        // left without a node; one nobody waits for first.
        string? GiveUp(NodeSummary node) =>
            node.Models
                .Select(model => model.Name)
                .Where(model => !(options.Pinned.TryGetValue(node.NodeId, out var pinned) && pinned == model))
                .Where(model => !waiting.ContainsKey(model) || ready.Any(other => other.NodeId != node.NodeId && Serves(other, model) && !leaving.Contains((other.NodeId, model))))
                .OrderBy(model => waiting.ContainsKey(model))
                .ThenBy(model => model, StringComparer.Ordinal)
                .FirstOrDefault();
    }

    private static bool Serves(NodeSummary node, string model) => node.Models.Any(served => served.Name == model);
}
