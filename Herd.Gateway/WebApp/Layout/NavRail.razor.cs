using Herd.Gateway.WebApp.Tabs;
using Microsoft.AspNetCore.Components;

namespace Herd.Gateway.WebApp.Layout;

/// <summary>The navigation rail, as in the Aspire dashboard: one item for each tab the signed-in role may open.</summary>
public sealed partial class NavRail
{
    [Parameter]
    [EditorRequired]
    public IReadOnlyList<AppTab> Tabs { get; set; } = [];
}
