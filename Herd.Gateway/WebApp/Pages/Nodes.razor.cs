using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Nodes.Links;
using Herd.Gateway.WebApp.Components;
using Herd.Gateway.WebApp.Data;
using Herd.Gateway.WebApp.Session;
using Herd.Gateway.WebApp.Tabs;
using Microsoft.AspNetCore.Components;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Herd.Gateway.WebApp.Pages;

/// <summary>
/// The Nodes tab: each node's health, slots, models and group, from the herd's node directory
/// (<c>Catalog/ListNodes</c>); the demand policy's state and latest decisions; and, for a role
/// allowed <c>herd.v1.NodeAdmin</c>, loading, unloading and switching a node's models (unloading
/// and switching after a confirmation, since they end jobs that outlast the drain).
/// </summary>
public sealed partial class Nodes : LiveTab
{
    private const string CatalogRowClass = "catalog-model";

    private static readonly GridSort<NodeRow> HealthOrder = GridSort<NodeRow>.ByAscending(node => node.Health);

    private IReadOnlyList<NodeRow>? _nodes;
    private DemandView? _demand;
    private string? _refusal;
    private bool _mayChange;
    private string? _open;
    private PendingChange? _confirming;
    private string? _working;
    private string? _changeProblem;
    private string? _changeDone;

    [Inject]
    private HerdActivity Activity { get; set; } = default!;

    [Inject]
    private NodeModelCommands Commands { get; set; } = default!;

    protected override AppTab Tab => AppTabs.Nodes;

    protected override async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var answer = await Session.CheckAsync(ApiMethods.ListNodes, cancellationToken);
        _refusal = answer.Refusal;
        _nodes = answer.IsAllowed ? await Activity.NodesAsync() : null;
        _demand = answer.IsAllowed ? await Activity.DemandAsync() : null;
        _mayChange = answer.IsAllowed && answer.Caller.Role.AllowsMethod(ApiMethods.LoadModel);
    }

    // The models get the room: with a catalog of folders they are the longest text.
    private string NodeColumns => "0.7fr 0.6fr 0.6fr 2fr 0.8fr 0.9fr 0.5fr 0.9fr 0.9fr" + (_mayChange ? " 100px" : "");

    private void Open(string nodeId) => (_open, _confirming, _changeProblem, _changeDone) = (nodeId, null, null, null);

    private Task LoadAsync(string nodeId, string model) =>
        ChangeAsync(new PendingChange(nodeId, new ModelCommand { Load = model }, ApiMethods.LoadModel, "Load", $"Loading {model} on {nodeId}…", ""));

    private void AskSwitch(string nodeId, string from, string to) =>
        _confirming = new PendingChange(nodeId, new ModelCommand { Switch = new SwitchModels { From = from, To = to } }, ApiMethods.SwitchModel, "Switch",
            $"Switching {nodeId} from {from} to {to}…", $"Switch {nodeId} from {from} to {to}? Its jobs for {from} get the drain timeout to finish.");

    private void AskUnload(string nodeId, string model) =>
        _confirming = new PendingChange(nodeId, new ModelCommand { Unload = model }, ApiMethods.UnloadModel, "Unload",
            $"Unloading {model} from {nodeId}…", $"Unload {model} from {nodeId}? Its jobs for {model} get the drain timeout to finish.");

    private void CancelChange() => _confirming = null;

    private async Task ConfirmAsync()
    {
        if (_confirming is { } change)
        {
            _confirming = null;
            await ChangeAsync(change);
        }
    }

    private async Task ChangeAsync(PendingChange change)
    {
        (_changeProblem, _changeDone) = (null, null);
        var answer = await Session.CheckAsync(change.Method, CancellationToken.None);
        if (!answer.IsAllowed)
        {
            _changeProblem = answer.Refusal;
            return;
        }

        _working = change.Working;
        try
        {
            // As herd.v1.NodeAdmin does: the answer comes when the node has made the change.
            var done = await Commands.SendAsync(change.NodeId, change.Command, CancellationToken.None);
            if (done.StatusCode == 0)
            {
                _changeDone = $"{change.NodeId} now serves {string.Join(", ", done.Models)}.";
            }
            else
            {
                _changeProblem = done.Message;
            }
        }
        catch (RpcException error)
        {
            _changeProblem = error.Status.Detail;
        }
        finally
        {
            _working = null;
        }

        await ReadAsync();
    }

    private static string ModelState(NodeRow node, string model) =>
        node.Served.Contains(model) ? "served"
        : node.Loading == model ? "loading"
        : "not loaded";

    private static string NodeRowClass(NodeRow node) => $"node-{node.Health} node-row-{node.NodeId}";

    private static BadgeColor HealthColor(string health) => health switch
    {
        "ready" => BadgeColor.Success,
        "draining" => BadgeColor.Warning,
        _ => BadgeColor.Danger,
    };

    /// <param name="Method">the NodeAdmin method whose permission the change needs</param>
    /// <param name="Verb">the confirming button's label</param>
    /// <param name="Working">what the page says while the node works on it</param>
    /// <param name="Question">the confirmation asked first; empty for none</param>
    private sealed record PendingChange(string NodeId, ModelCommand Command, string Method, string Verb, string Working, string Question);
}
