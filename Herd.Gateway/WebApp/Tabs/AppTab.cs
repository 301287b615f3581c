using Herd.Gateway.Access.Roles;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Herd.Gateway.WebApp.Tabs;

/// <summary>One tab of the web app's navigation rail.</summary>
/// <param name="Name">The name roles grant in <c>allow_tabs</c> (<see cref="TabNames"/>).</param>
/// <param name="Title">What the rail and the page's heading say.</param>
/// <param name="Route">Where the tab's page lives, under <see cref="WebAppRoutes.Base"/>.</param>
/// <param name="Icon">The rail's icon for the tab.</param>
public sealed record AppTab(string Name, string Title, string Route, Icon Icon);
