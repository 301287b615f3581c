namespace Herd.Gateway.Ledger;

/// <summary>
/// An API key as the ledger keeps it: whom it is for, its role and limits, and a salted hash of
/// its secret. The secret itself is shown once, when the key is created, and stored nowhere.
/// </summary>
public sealed class ApiKeyRecord
{
    /// <summary>The length of a key id (<c>ApiKeySecret</c> makes them).</summary>
    public const int IdLength = 12;

    public const int MaxNameLength = 100;
    public const int MaxRoleLength = 63;

    /// <summary>The public key id, the middle of <c>herd_&lt;key id&gt;_&lt;secret&gt;</c>; safe to log and show.</summary>
    public required string Id { get; init; }

    /// <summary>What the key is for, in the words of the admin who created it.</summary>
    public required string Name { get; set; }

    /// <summary>The name of the role (from the roles file) that says what the key may do.</summary>
    public required string Role { get; set; }

    /// <summary>16 random bytes, this key's own, hashed in front of the secret.</summary>
    public required byte[] SecretSalt { get; init; }

    /// <summary>SHA-256 of salt and secret, or HMAC-SHA256 keyed with the pepper when <see cref="SecretPeppered"/>.</summary>
    public required byte[] SecretHash { get; init; }

    /// <summary>
    /// Whether the hash was keyed with the configured pepper; keys made before a pepper was
    /// configured keep verifying without it.
    /// </summary>
    public bool SecretPeppered { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>From this moment the key is refused; null when it does not expire.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>When an admin revoked the key; null while it is in force.</summary>
    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>When true, the prompts and completions of this key's requests are not kept.</summary>
    public bool HistoryOptOut { get; set; }

    /// <summary>How much the key may spend in fees; null when it has no budget of its own.</summary>
    public decimal? Budget { get; set; }

    /// <summary>The key id of the admin who created this key; null when created outside the API (the CLI, a seed).</summary>
    public string? CreatedBy { get; init; }
}
