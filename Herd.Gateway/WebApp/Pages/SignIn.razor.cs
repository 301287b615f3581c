using Herd.Gateway.WebApp.Session;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Herd.Gateway.WebApp.Pages;

/// <summary>Where a person pastes an API key; the gateway's key check decides, and a refusal says why.</summary>
public sealed partial class SignIn
{
    private string? _key;
    private string? _error;
    private bool _busy;

    [Inject]
    private WebAppSession Session { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private async Task SignInAsync()
    {
        _busy = true;
        try
        {
            _error = await Session.SignInAsync(_key ?? "", CancellationToken.None);
        }
        catch (JSException exception)
        {
            // The tab's session storage refused the key: say so rather than end the page's circuit.
            _error = $"This browser tab could not keep the key: {exception.Message}";
        }
        finally
        {
            _busy = false;
        }

        if (_error is null)
        {
            Navigation.NavigateTo(WebAppRoutes.Base);
        }
    }
}
