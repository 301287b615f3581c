using Herd.Gateway.WebApp.Session;
using Herd.Gateway.WebApp.Tabs;
using Microsoft.AspNetCore.Components;

namespace Herd.Gateway.WebApp.Pages;

/// <summary>The app's address: leads to sign-in, or to the first tab the signed-in role may open.</summary>
public sealed partial class Home
{
    [Inject]
    private WebAppSession Session { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override void OnInitialized()
    {
        if (Session.Caller is not { } caller)
        {
            Navigation.NavigateTo(WebAppRoutes.SignIn);
        }
        else if (AppTabs.For(caller.Role) is [var first, ..])
        {
            Navigation.NavigateTo(first.Route);
        }
    }
}
