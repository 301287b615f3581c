using System.ComponentModel.DataAnnotations;

namespace Herd.Gateway.Access.Keys;

/// <summary>How API key secrets are hashed, bound from the <c>Herd:Gateway:Access</c> section.</summary>
public sealed record ApiKeyOptions
{
    public const string Section = "Herd:Gateway:Access";

    /// <summary>
    /// A server-side secret mixed into every new key's hash (HMAC-SHA256), so that a copy of the
    /// database alone cannot be used to test guesses. Keep it out of the database, and keep it:
    /// keys created with it verify only while it is set to the same value.
    /// </summary>
    [MinLength(32, ErrorMessage = "Herd:Gateway:Access:KeyPepper must be at least 32 characters; generate one with `openssl rand -base64 32`.")]
    public string? KeyPepper { get; init; }
}
