using Herd.Gateway.WebApp.Components;
using Herd.Gateway.WebApp.Data;
using Herd.Gateway.WebApp.Session;
using Herd.Gateway.WebApp.Tabs;
using Microsoft.AspNetCore.Components;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Herd.Gateway.WebApp.Pages;

/// <summary>The Nodes tab: each node's health, slots, models and group, from the herd's node directory (<c>Catalog/ListNodes</c>).</summary>
public sealed partial class Nodes : LiveTab
{
    private static readonly GridSort<NodeRow> HealthOrder = GridSort<NodeRow>.ByAscending(node => node.Health);

    private IReadOnlyList<NodeRow>? _nodes;
    private string? _refusal;

    [Inject]
    private HerdActivity Activity { get; set; } = default!;

    protected override AppTab Tab => AppTabs.Nodes;

    protected override async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var answer = await Session.CheckAsync(ApiMethods.ListNodes, cancellationToken);
        _refusal = answer.Refusal;
        _nodes = answer.IsAllowed ? await Activity.NodesAsync() : null;
    }

    private static string NodeRowClass(NodeRow node) => $"node-{node.Health}";

    private static BadgeColor HealthColor(string health) => health switch
    {
        "ready" => BadgeColor.Success,
        "draining" => BadgeColor.Warning,
        _ => BadgeColor.Danger,
    };
}
