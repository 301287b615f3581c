using System.Security.Cryptography;
using Herd.Gateway.Access;
using Herd.Gateway.Failures;
using Microsoft.AspNetCore.Components.Server.ProtectedBrowserStorage;

namespace Herd.Gateway.WebApp.Session;

/// <summary>
/// The API key a browser tab is signed in with, one per circuit. The key is kept, encrypted by
/// the gateway's data protection, in the tab's session storage, so that a reload stays signed in
/// and closing the tab signs out. Every check asks the gateway's own key check again, so a key
/// revoked meanwhile is refused at the next action.
/// </summary>
public sealed class WebAppSession(KeyCheck keyCheck, ProtectedSessionStorage storage)
{
    private const string StorageKey = "herd.app.key";

    private string? _secret;
    private bool _restored;

    /// <summary>Raised when the tab signs in or out.</summary>
    public event Action? Changed;

    /// <summary>The signed-in caller, as of the last check; null when signed out.</summary>
    public Caller? Caller { get; private set; }

    /// <summary>Signs in again with the key this tab kept, once per circuit; a key no longer in force signs out.</summary>
    public async Task RestoreAsync(CancellationToken cancellationToken)
    {
        if (_restored)
        {
            return;
        }

        _restored = true;
        string? kept;
        try
        {
            var stored = await storage.GetAsync<string>(StorageKey).ConfigureAwait(false);
            kept = stored.Success ? stored.Value : null;
        }
        catch (CryptographicException)
        {
            // Kept by a gateway with other data protection keys (another replica, a restart without
            // persisted keys): the person signs in again.
            kept = null;
        }

        if (kept is not null && (await SignInAsync(kept, cancellationToken).ConfigureAwait(false)) is not null)
        {
            await storage.DeleteAsync(StorageKey).ConfigureAwait(false);
        }
    }

    /// <summary>Signs in with a pasted key. Null when it worked; otherwise why not, in words for the person.</summary>
    public async Task<string?> SignInAsync(string presented, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var key = presented.Trim();
        if (key.Length == 0)
        {
            return "Paste an API key first.";
        }

        try
        {
            Caller = await keyCheck.IdentifyAsync(key, "the web app's sign-in", cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException failure)
        {
            return failure.Message;
        }

        _secret = key;
        await storage.SetAsync(StorageKey, key).ConfigureAwait(false);
        Changed?.Invoke();
        return null;
    }

    public async Task SignOutAsync()
    {
        _secret = null;
        Caller = null;
        await storage.DeleteAsync(StorageKey).ConfigureAwait(false);
        Changed?.Invoke();
    }

    /// <summary>Checks the key again, whatever it may call: for opening a tab.</summary>
    public async Task<AccessAnswer> IdentifyAsync(CancellationToken cancellationToken)
    {
        if (_secret is null)
        {
            return AccessAnswer.SignedOut;
        }

        try
        {
            Caller = await keyCheck.IdentifyAsync(_secret, "the web app", cancellationToken).ConfigureAwait(false);
            return AccessAnswer.Allowed(Caller);
        }
        catch (RequestFailedException failure)
        {
            return AccessAnswer.Refused(failure.Message);
        }
    }

    /// <summary>
    /// Checks the key as the API would for <paramref name="method"/> (such as
    /// <c>herd.v1.Keys/CreateKey</c>): what a tab does needs what its API call would.
    /// </summary>
    public async Task<AccessAnswer> CheckAsync(string method, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (_secret is null)
        {
            return AccessAnswer.SignedOut;
        }

        try
        {
            Caller = await keyCheck.CheckAsync($"Bearer {_secret}", apiKey: null, method, cancellationToken).ConfigureAwait(false);
            return AccessAnswer.Allowed(Caller);
        }
        catch (RequestFailedException failure)
        {
            return AccessAnswer.Refused(failure.Message);
        }
    }
}
