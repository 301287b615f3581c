using Herd.Gateway.WebApp.Session;
using Herd.Gateway.WebApp.Tabs;
using Microsoft.AspNetCore.Components;

namespace Herd.Gateway.WebApp.Layout;

/// <summary>
/// The frame of every page: the header with the signed-in key and sign-out, the navigation rail
/// of the tabs the key's role may open, and the page. Pages show only once the tab's kept key
/// has been tried, so that a reload does not flash the sign-in page.
/// </summary>
public sealed partial class MainLayout : IDisposable
{
    private bool _restored;
    private IReadOnlyList<AppTab> _tabs = [];

    [Inject]
    private WebAppSession Session { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        Session.Changed += OnSessionChanged;
        await Session.RestoreAsync(CancellationToken.None);
        _restored = true;
        UpdateTabs();
    }

    public void Dispose() => Session.Changed -= OnSessionChanged;

    private void OnSessionChanged()
    {
        UpdateTabs();
        _ = InvokeAsync(StateHasChanged);
    }

    private void UpdateTabs() => _tabs = Session.Caller is { } caller ? AppTabs.For(caller.Role) : [];

    private async Task SignOutAsync()
    {
        await Session.SignOutAsync();
        Navigation.NavigateTo(WebAppRoutes.SignIn);
    }
}
