using Herd.Gateway.WebApp.Session;
using Herd.Gateway.WebApp.Tabs;
using Microsoft.AspNetCore.Components;

namespace Herd.Gateway.WebApp.Components;

/// <summary>
/// Wraps a tab's page: a tab whose URL is opened without a key leads to sign-in, and one that the
/// key's role does not list in <c>allow_tabs</c> shows why instead of the page.
/// </summary>
public sealed partial class TabGate
{
    private string? _refusal;
    private bool _allowed;

    [Parameter]
    [EditorRequired]
    public AppTab Tab { get; set; } = default!;

    [Parameter]
    public RenderFragment? ChildContent { get; set; }

    [Inject]
    private WebAppSession Session { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        if (Session.Caller is null)
        {
            Navigation.NavigateTo(WebAppRoutes.SignIn);
            return;
        }

        var answer = await Session.IdentifyAsync(CancellationToken.None);
        if (!answer.IsAllowed)
        {
            _refusal = answer.Refusal;
            return;
        }

        var role = answer.Caller.Role;
        _allowed = role.AllowsTab(Tab.Name);
        _refusal = _allowed
            ? null
            : $"Your role '{role.Name}' may not open this tab ({Tab.Title}). Ask an admin to add '{Tab.Name}' to the role's allow_tabs.";
    }
}
