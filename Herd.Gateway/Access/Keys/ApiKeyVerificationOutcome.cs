namespace Herd.Gateway.Access.Keys;

/// <summary>What <see cref="ApiKeyStore.VerifyAsync"/> made of a presented key.</summary>
public enum ApiKeyVerificationOutcome
{
    /// <summary>A key in force, and the secret is its own.</summary>
    Valid,

    /// <summary>Not in the form <c>herd_&lt;key id&gt;_&lt;secret&gt;</c>.</summary>
    Malformed,

    /// <summary>Well formed, but no key has that id and secret.</summary>
    Unknown,

    /// <summary>The right secret of a key an admin revoked.</summary>
    Revoked,

    /// <summary>The right secret of a key past its expiry.</summary>
    Expired,
}
