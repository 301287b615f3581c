using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Herd.Gateway.Ledger;
using Microsoft.Extensions.Options;

namespace Herd.Gateway.Access.Keys;

/// <summary>
/// Verifies the keys presented on calls, asking the ledger (<see cref="ApiKeyStore"/>) at most
/// once per key every <see cref="AccessOptions.KeyCacheTtl"/>, so the hot path does not pay a
/// database round trip per request. While the ledger is unreachable a key verified before keeps
/// working up to <see cref="AccessOptions.KeyStaleLimit"/>.
/// </summary>
/// <remarks>
/// Entries are found by a hash of the presented text, never the text itself. Only answers about
/// real keys are kept (valid, revoked, expired): unknown and malformed keys cost nothing to make
/// up, and keeping them would let anyone fill the cache.
/// </remarks>
public sealed partial class KeyVerifier(ApiKeyStore store, IOptions<AccessOptions> options, TimeProvider time, ILogger<KeyVerifier> logger)
{
    /// <summary>Beyond this many entries, the stale ones are dropped; a live herd holds far fewer keys.</summary>
    internal const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The verification of <paramref name="presented"/>, from the cache while it is fresh.</summary>
    /// <exception cref="LedgerUnreachableException">The ledger cannot be asked and no recent answer is known.</exception>
    public async Task<ApiKeyVerification> VerifyAsync(string presented, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var cacheKey = CacheKey(presented);
        var now = time.GetUtcNow();
        var settings = options.Value;
        if (_entries.TryGetValue(cacheKey, out var cached) && now - cached.VerifiedAt < settings.KeyCacheTtl)
        {
            return StillValid(cached.Verification, now);
        }

        ApiKeyVerification verification;
        try
        {
            verification = await store.VerifyAsync(presented, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (LedgerFailures.IsUnreachable(exception) && !cancellationToken.IsCancellationRequested)
        {
            if (cached is not null && now - cached.VerifiedAt < settings.KeyStaleLimit)
            {
                LogServingStale(exception, cached.Verification.Key?.Id);
                return StillValid(cached.Verification, now);
            }

            throw new LedgerUnreachableException(exception);
        }

        if (verification.Key is not null)
        {
            Remember(cacheKey, new Entry(verification, now));
        }

        return verification;
    }

    /// <summary>Drops what is known about a key, so that its next use asks the ledger (after a revocation here).</summary>
    public void Forget(string keyId)
    {
        foreach (var (cacheKey, entry) in _entries)
        {
            if (entry.Verification.Key?.Id == keyId)
            {
                _entries.TryRemove(cacheKey, out _);
            }
        }
    }

    private void Remember(string cacheKey, Entry entry)
    {
        if (_entries.Count >= MaxEntries)
        {
            var staleBefore = entry.VerifiedAt - options.Value.KeyStaleLimit;
            foreach (var (key, old) in _entries)
            {
                if (old.VerifiedAt < staleBefore)
                {
                    _entries.TryRemove(key, out _);
                }
            }

            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }
        }

        _entries[cacheKey] = entry;
    }

    /// <summary>A cached valid answer about a key that has expired since is an expired answer.</summary>
    private static ApiKeyVerification StillValid(ApiKeyVerification verification, DateTimeOffset now) =>
        verification.IsValid && verification.Key.ExpiresAt <= now ? ApiKeyVerification.Expired(verification.Key) : verification;

    private static string CacheKey(string presented) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ledger is unreachable; key {KeyId} is let in on its last verification")]
    private partial void LogServingStale(Exception exception, string? keyId);

    private sealed record Entry(ApiKeyVerification Verification, DateTimeOffset VerifiedAt);
}
