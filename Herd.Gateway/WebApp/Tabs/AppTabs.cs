using Herd.Gateway.Access.Roles;
using Icons = Microsoft.FluentUI.AspNetCore.Components.Icons;

namespace Herd.Gateway.WebApp.Tabs;

/// <summary>
/// The tabs the web app has built, in the order of the rail: adding a tab is a name in
/// <see cref="TabNames"/>, a line here and its page.
/// </summary>
public static class AppTabs
{
    public static readonly AppTab Prompts = new(TabNames.Prompts, "Prompts", WebAppRoutes.Prompts, new Icons.Regular.Size20.DocumentText());
    public static readonly AppTab PromptDetails = new(TabNames.PromptDetails, "Prompt details", WebAppRoutes.PromptDetails, new Icons.Regular.Size20.DocumentSearch());
    public static readonly AppTab PromptLab = new(TabNames.PromptLab, "Prompt lab", WebAppRoutes.PromptLab, new Icons.Regular.Size20.Beaker());
    public static readonly AppTab History = new(TabNames.History, "My history", WebAppRoutes.History, new Icons.Regular.Size20.TextBulletListSquare());
    public static readonly AppTab Nodes = new(TabNames.Nodes, "Nodes", WebAppRoutes.Nodes, new Icons.Regular.Size20.ServerMultiple());
    public static readonly AppTab Queue = new(TabNames.Queue, "Queue and usage", WebAppRoutes.Queue, new Icons.Regular.Size20.DataBarVertical());
    public static readonly AppTab Keys = new(TabNames.Keys, "Keys", WebAppRoutes.Keys, new Icons.Regular.Size20.KeyMultiple());

    public static readonly IReadOnlyList<AppTab> All = [Prompts, PromptDetails, PromptLab, History, Nodes, Queue, Keys];

    /// <summary>The built tabs the role may open, in the order of the rail.</summary>
    public static IReadOnlyList<AppTab> For(Role role)
    {
        ArgumentNullException.ThrowIfNull(role);
        return [.. All.Where(tab => role.AllowsTab(tab.Name))];
    }
}
