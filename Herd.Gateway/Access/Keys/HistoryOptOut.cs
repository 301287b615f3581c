namespace Herd.Gateway.Access.Keys;

/// <summary>
/// Turns a key's history opt-out on or off, whichever door asks (<c>Account/SetHistoryOptOut</c>,
/// the web app), and drops this gateway's cached verdict on the key so that its next request
/// honours the change at once.
/// </summary>
public sealed class HistoryOptOut(ApiKeyStore store, KeyVerifier verifier)
{
    /// <summary>False when there is no such key.</summary>
    public async Task<bool> SetAsync(string keyId, bool historyOptOut, CancellationToken cancellationToken)
    {
        if (!await store.SetHistoryOptOutAsync(keyId, historyOptOut, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        verifier.Forget(keyId);
        return true;
    }
}
