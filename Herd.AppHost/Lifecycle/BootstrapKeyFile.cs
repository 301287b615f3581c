namespace Herd.AppHost.Lifecycle;

/// <summary>The API key a gateway writes to its bootstrap key file once its ledger is ready (<c>Herd:Gateway:Access:BootstrapKeyFile</c>).</summary>
internal static class BootstrapKeyFile
{
    /// <summary>The key, once the file holds a whole one; null when it does not within <paramref name="timeout"/>.</summary>
    public static async Task<string?> ReadAsync(string path, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            // The gateway creates the file before it has the key, and ends the key with a newline.
            var text = File.Exists(path) ? await File.ReadAllTextAsync(path, cancellationToken) : string.Empty;
            if (text.EndsWith('\n') && text.Trim() is { Length: > 0 } key)
            {
                return key;
            }

            if (DateTime.UtcNow > deadline)
            {
                return null;
            }

            await Task.Delay(200, cancellationToken);
        }
    }
}
