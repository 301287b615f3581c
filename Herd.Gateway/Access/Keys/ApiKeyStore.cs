using Herd.Gateway.Access.Roles;
using Herd.Gateway.Ledger;
using Microsoft.EntityFrameworkCore;

namespace Herd.Gateway.Access.Keys;

/// <summary>
/// Creates, verifies, revokes and lists API keys in the ledger database. Secrets are hashed
/// (<see cref="ApiKeyHasher"/>) and never stored; a created key's secret is returned once.
/// </summary>
public sealed partial class ApiKeyStore(
    IDbContextFactory<LedgerDbContext> contexts,
    ApiKeyHasher hasher,
    TimeProvider time,
    ILogger<ApiKeyStore> logger)
{
    /// <summary>Creates a key and returns it with its secret, which nothing can show again.</summary>
    /// <param name="expiresAt">When the key stops working; null for never. Must be in the future.</param>
    /// <param name="historyOptOut">True to keep no prompts and completions of this key's requests.</param>
    /// <param name="budget">How much the key may spend in fees; null for no budget of its own.</param>
    /// <param name="createdBy">The key id of the admin creating it; null when not created through the API.</param>
    /// <exception cref="ArgumentException">An argument is out of bounds; the message names it and what is allowed.</exception>
    public async Task<CreatedApiKey> CreateAsync(
        string name,
        string role,
        DateTimeOffset? expiresAt = null,
        bool historyOptOut = false,
        decimal? budget = null,
        string? createdBy = null,
        CancellationToken cancellationToken = default)
    {
        var now = ToMicroseconds(time.GetUtcNow());
        expiresAt = expiresAt is { } expiry ? ToMicroseconds(expiry) : null;
        Validate(name, role, expiresAt, budget, createdBy, now);
        var secret = ApiKeySecret.Generate();
        var (salt, hash, peppered) = hasher.Protect(secret);
        var key = new ApiKeyRecord
        {
            Id = secret.KeyId,
            Name = name,
            Role = role,
            SecretSalt = salt,
            SecretHash = hash,
            SecretPeppered = peppered,
            CreatedAt = now,
            ExpiresAt = expiresAt,
            HistoryOptOut = historyOptOut,
            Budget = budget,
            CreatedBy = createdBy,
        };
        // 36^12 key ids: a collision would fail on the primary key rather than pass unnoticed.
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        context.ApiKeys.Add(key);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        LogCreated(key.Id, key.Name, key.Role, createdBy);
        return new CreatedApiKey(key, secret.Reveal());
    }

    /// <summary>
    /// Checks a presented key. Any text is safe to pass: malformed text never reaches the
    /// database, and a well-formed one is looked up by its key id only.
    /// </summary>
    public async Task<ApiKeyVerification> VerifyAsync(string? presented, CancellationToken cancellationToken = default)
    {
        if (!ApiKeySecret.TryParse(presented, out var secret, out var problem))
        {
            return ApiKeyVerification.Malformed(problem);
        }

        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var key = await context.ApiKeys.AsNoTracking()
            .SingleOrDefaultAsync(candidate => candidate.Id == secret.KeyId, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            hasher.SimulateMatch(secret);
            return ApiKeyVerification.Unknown();
        }

        if (!hasher.CanVerify(key))
        {
            LogPepperMissing(key.Id);
        }

        // Revocation and expiry are told only to someone who holds the secret.
        if (!hasher.Matches(key, secret))
        {
            return ApiKeyVerification.Unknown();
        }

        if (key.RevokedAt is not null)
        {
            return ApiKeyVerification.Revoked(key);
        }

        return key.ExpiresAt <= time.GetUtcNow() ? ApiKeyVerification.Expired(key) : ApiKeyVerification.Valid(key);
    }

    /// <summary>Revokes a key for good. True when the key exists (revoked now or before); false when there is no such key.</summary>
    public async Task<bool> RevokeAsync(string keyId, CancellationToken cancellationToken = default)
    {
        if (!ApiKeySecret.IsKeyId(keyId))
        {
            return false;
        }

        var now = time.GetUtcNow();
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var revoked = await context.ApiKeys
            .Where(key => key.Id == keyId && key.RevokedAt == null)
            .ExecuteUpdateAsync(update => update.SetProperty(key => key.RevokedAt, now), cancellationToken).ConfigureAwait(false);
        if (revoked > 0)
        {
            LogRevoked(keyId);
            return true;
        }

        return await context.ApiKeys.AnyAsync(key => key.Id == keyId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets whether the key's prompts and completions are kept. False when there is no such key.</summary>
    public async Task<bool> SetHistoryOptOutAsync(string keyId, bool historyOptOut, CancellationToken cancellationToken = default)
    {
        if (!ApiKeySecret.IsKeyId(keyId))
        {
            return false;
        }

        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var changed = await context.ApiKeys
            .Where(key => key.Id == keyId)
            .ExecuteUpdateAsync(update => update.SetProperty(key => key.HistoryOptOut, historyOptOut), cancellationToken).ConfigureAwait(false);
        if (changed > 0)
        {
            LogHistoryOptOut(keyId, historyOptOut);
        }

        return changed > 0;
    }

    /// <summary>The key with this id, revoked and expired ones included; null when there is none.</summary>
    public async Task<ApiKeyRecord?> FindAsync(string keyId, CancellationToken cancellationToken = default)
    {
        if (!ApiKeySecret.IsKeyId(keyId))
        {
            return null;
        }

        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await context.ApiKeys.AsNoTracking()
            .SingleOrDefaultAsync(key => key.Id == keyId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every key, revoked and expired ones included, oldest first.</summary>
    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await context.ApiKeys.AsNoTracking()
            .OrderBy(key => key.CreatedAt).ThenBy(key => key.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void Validate(string name, string role, DateTimeOffset? expiresAt, decimal? budget, string? createdBy, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > ApiKeyRecord.MaxNameLength)
        {
            throw new ArgumentException(
                $"name must be 1 to {ApiKeyRecord.MaxNameLength} characters, not all blank; got {Quoted(name)}.",
                nameof(name));
        }

        if (!Role.IsValidName(role))
        {
            throw new ArgumentException(
                $"role {Quoted(role)} is not a role name: use a lowercase letter, then up to 62 lowercase letters, digits, '_' or '-'.",
                nameof(role));
        }

        if (expiresAt <= now)
        {
            throw new ArgumentException(
                $"expiresAt {expiresAt:u} is not in the future (now is {now:u}); give a later time, or none for a key that does not expire.",
                nameof(expiresAt));
        }

        if (budget < 0)
        {
            throw new ArgumentException($"budget {budget} is negative; give 0 or more, or none for no budget of its own.", nameof(budget));
        }

        if (createdBy is not null && !ApiKeySecret.IsKeyId(createdBy))
        {
            throw new ArgumentException(
                $"createdBy {Quoted(createdBy)} is not a key id ({ApiKeySecret.KeyIdLength} characters of a-z and 0-9); give the admin's key id, or none.",
                nameof(createdBy));
        }
    }

    /// <summary>
    /// The instant as PostgreSQL keeps it (to the microsecond, in UTC), so that the key returned
    /// from <see cref="CreateAsync"/> is the key any later read returns.
    /// </summary>
    private static DateTimeOffset ToMicroseconds(DateTimeOffset instant)
    {
        var utc = instant.ToUniversalTime();
        return utc.AddTicks(-(utc.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    /// <summary>The text in quotes when it is short enough to read in a message; its length otherwise.</summary>
    private static string Quoted(string? text) => text switch
    {
        null => "(none)",
        { Length: <= 80 } => $"'{text}'",
        _ => $"({text.Length} characters)",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Created API key {KeyId} ({Name}) with role {Role}, by {CreatedBy}")]
    private partial void LogCreated(string keyId, string name, string role, string? createdBy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Revoked API key {KeyId}")]
    private partial void LogRevoked(string keyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "API key {KeyId} history opt-out set to {HistoryOptOut}")]
    private partial void LogHistoryOptOut(string keyId, bool historyOptOut);

    [LoggerMessage(Level = LogLevel.Warning, Message = "API key {KeyId} was created with a pepper, but Herd:Gateway:Access:KeyPepper is not set; it cannot verify until the same pepper is configured again")]
    private partial void LogPepperMissing(string keyId);
}
