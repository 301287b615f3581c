using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Nodes.Catalog;
using Herd.Gateway.Nodes.Links;
using Herd.Gateway.Queue;
using Herd.Gateway.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Nodes.Demand;

/// <summary>
/// Runs the demand policy (<see cref="DemandPolicy"/>) every <see cref="DemandOptions.Interval"/>
/// on the one gateway that leads (<see cref="DemandLeadership"/>): reads the herd's nodes and the
/// queues of every model they serve or may load, switches the nodes the policy chooses (through
/// <see cref="NodeModelCommands"/>, without waiting for one switch before the next look), and logs,
/// counts and journals every decision, a demand no node could meet included (once per change).
/// </summary>
public sealed partial class DemandSwitcher(
    DemandLeadership leadership,
    DemandJournal journal,
    ModelCatalog catalog,
    JobQueue queue,
    NodeModelCommands commands,
    GatewayTelemetry telemetry,
    IOptions<DemandOptions> options,
    TimeProvider time,
    ILogger<DemandSwitcher> logger) : BackgroundService
{
    private readonly DemandPolicy _policy = new(options.Value);
    private readonly Dictionary<string, DateTimeOffset> _idleSince = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _switching = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _blocked = new(StringComparer.Ordinal);
    private bool _leading;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.Interval, time);
        try
        {
            do
            {
                try
                {
                    await LookAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (RedisException exception)
                {
                    LogLookFailed(exception);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (_leading)
            {
                // Let another gateway lead at once instead of after the lease runs out.
                await ReleaseQuietlyAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>One look at the herd: claim or renew the lead, then decide and act.</summary>
    private async Task LookAsync(CancellationToken stoppingToken)
    {
        if (!await leadership.ClaimAsync(options.Value.LeaderLease).ConfigureAwait(false))
        {
            if (_leading)
            {
                LogLeadLost(leadership.GatewayId);
                _leading = false;
            }

            return;
        }

        if (!_leading)
        {
            LogLeading(leadership.GatewayId, options.Value.Interval.TotalSeconds);
            _leading = true;
            // What the last leader knew of idleness is not ours: watch the nodes afresh.
            _idleSince.Clear();
            _blocked.Clear();
        }

        var now = time.GetUtcNow();
        var nodes = await catalog.NodesAsync().ConfigureAwait(false);
        TrackIdleness(nodes, now);
        var demands = await DemandsAsync(nodes).ConfigureAwait(false);
        var plan = _policy.Decide(nodes, demands, _idleSince, await journal.LastSwitchedAsync().ConfigureAwait(false), _switching.Keys.ToHashSet(StringComparer.Ordinal), now);
        foreach (var planned in plan.Switches)
        {
            await journal.MarkSwitchedAsync(planned.NodeId, now).ConfigureAwait(false);
            _blocked.Remove(planned.To);
            LogSwitching(planned.NodeId, planned.From, planned.To, planned.Reason);
            // Marked before it starts, so the next look skips the node until the switch ends.
            _switching[planned.NodeId] = true;
            _ = Task.Run(() => SwitchAsync(planned, stoppingToken), CancellationToken.None);
        }

        await JournalBlockedAsync(plan.Blocked, now).ConfigureAwait(false);
    }

    private void TrackIdleness(IReadOnlyList<NodeSummary> nodes, DateTimeOffset now)
    {
        foreach (var node in nodes)
        {
            if (node.Health == NodeHealth.Ready && node.SlotsInUse == 0)
            {
                _idleSince.TryAdd(node.NodeId, now);
            }
            else
            {
                _idleSince.Remove(node.NodeId);
            }
        }

        foreach (var gone in _idleSince.Keys.Where(id => nodes.All(node => node.NodeId != id)).ToList())
        {
            _idleSince.Remove(gone);
        }
    }

    /// <summary>The waiting jobs of every model the ready nodes serve or may load.</summary>
    private async Task<IReadOnlyList<ModelDemand>> DemandsAsync(IReadOnlyList<NodeSummary> nodes)
    {
        var models = nodes.Where(node => node.Health == NodeHealth.Ready)
            .SelectMany(node => node.Models.Select(model => model.Name).Concat(node.Catalog))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var demands = new List<ModelDemand>();
        foreach (var model in models)
        {
            var waiting = await queue.WaitingAsync(model).ConfigureAwait(false);
            if (waiting.Count > 0)
            {
                demands.Add(new ModelDemand(model, waiting.Sum(jobs => jobs.Count), waiting.Max(jobs => jobs.OldestWait)));
            }
        }

        return demands;
    }

    private async Task SwitchAsync(PlannedSwitch planned, CancellationToken stoppingToken)
    {
        var decision = new DemandDecision
        {
            Model = planned.To,
            NodeId = planned.NodeId,
            From = planned.From,
            Reason = planned.Reason,
            GatewayId = leadership.GatewayId,
        };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(options.Value.SwitchTimeout);
            var done = await commands.SendAsync(planned.NodeId, new ModelCommand { Switch = new SwitchModels { From = planned.From, To = planned.To } }, timeout.Token).ConfigureAwait(false);
            (decision.Outcome, decision.Detail) = done.StatusCode == 0
                ? (DemandOutcomes.Switched, $"{planned.NodeId} now serves {string.Join(", ", done.Models)}.")
                : (DemandOutcomes.Failed, done.Message);
        }
        catch (RpcException error)
        {
            (decision.Outcome, decision.Detail) = (DemandOutcomes.Failed, error.Status.Detail);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            (decision.Outcome, decision.Detail) = (DemandOutcomes.Failed, $"{planned.NodeId} did not finish the switch within {options.Value.SwitchTimeout.TotalSeconds:0} s (Herd:Gateway:Demand:SwitchTimeout).");
        }
        catch (OperationCanceledException)
        {
            (decision.Outcome, decision.Detail) = (DemandOutcomes.Failed, "The gateway stopped before the node answered.");
        }

        try
        {
            if (decision.Outcome == DemandOutcomes.Switched)
            {
                LogSwitched(planned.NodeId, planned.From, planned.To);
            }
            else
            {
                LogSwitchFailed(planned.NodeId, planned.From, planned.To, decision.Detail);
            }

            telemetry.DemandDecided(planned.To, planned.Reason, decision.Outcome);
            decision.At = Timestamp.FromDateTimeOffset(time.GetUtcNow());
            await journal.RecordAsync(decision).ConfigureAwait(false);
        }
        catch (RedisException exception)
        {
            LogLookFailed(exception);
        }
        finally
        {
            _switching.TryRemove(planned.NodeId, out _);
        }
    }

    /// <summary>Journals a demand no node could meet, once until what stands in its way changes.</summary>
    private async Task JournalBlockedAsync(IReadOnlyList<BlockedDemand> blocked, DateTimeOffset now)
    {
        foreach (var model in _blocked.Keys.Where(model => blocked.All(demand => demand.Model != model)).ToList())
        {
            _blocked.Remove(model);
        }

        foreach (var demand in blocked)
        {
            if (_blocked.TryGetValue(demand.Model, out var known) && known == demand.Detail)
            {
                continue;
            }

            _blocked[demand.Model] = demand.Detail;
            LogBlocked(demand.Model, demand.Reason, demand.Detail);
            telemetry.DemandDecided(demand.Model, demand.Reason, DemandOutcomes.Blocked);
            await journal.RecordAsync(new DemandDecision
            {
                At = Timestamp.FromDateTimeOffset(now),
                Model = demand.Model,
                Reason = demand.Reason,
                Outcome = DemandOutcomes.Blocked,
                Detail = demand.Detail,
                GatewayId = leadership.GatewayId,
            }).ConfigureAwait(false);
        }
    }

    private async Task ReleaseQuietlyAsync()
    {
        try
        {
            await leadership.ReleaseAsync().ConfigureAwait(false);
        }
        catch (RedisException exception)
        {
            LogLookFailed(exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway {GatewayId} now runs the demand policy (every {Seconds:0.#} s)")]
    private partial void LogLeading(string gatewayId, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway {GatewayId} no longer runs the demand policy: another gateway claimed it")]
    private partial void LogLeadLost(string gatewayId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demand: switching node {NodeId} from {From} to {To} ({Reason})")]
    private partial void LogSwitching(string nodeId, string from, string to, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demand: node {NodeId} switched from {From} to {To}")]
    private partial void LogSwitched(string nodeId, string from, string to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demand: node {NodeId} could not switch from {From} to {To}: {Detail}")]
    private partial void LogSwitchFailed(string nodeId, string from, string to, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demand: jobs for {Model} wait ({Reason}) and no node can be switched to it: {Detail}")]
    private partial void LogBlocked(string model, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demand: could not read or record the herd's state in Redis; trying again at the next look")]
    private partial void LogLookFailed(Exception exception);
}
