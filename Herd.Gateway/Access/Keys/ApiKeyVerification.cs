using System.Diagnostics.CodeAnalysis;
using Herd.Gateway.Ledger;

namespace Herd.Gateway.Access.Keys;

/// <summary>The answer to a presented key.</summary>
/// <param name="Key">The stored key when the secret was its own (valid, revoked or expired); otherwise null.</param>
/// <param name="Reason">Why the key is refused, fit to show its holder; empty when it is valid.</param>
public sealed record ApiKeyVerification(ApiKeyVerificationOutcome Outcome, ApiKeyRecord? Key, string Reason)
{
    [MemberNotNullWhen(true, nameof(Key))]
    public bool IsValid => Outcome == ApiKeyVerificationOutcome.Valid && Key is not null;

    public static ApiKeyVerification Valid(ApiKeyRecord key) => new(ApiKeyVerificationOutcome.Valid, key, "");

    public static ApiKeyVerification Malformed(string problem) => new(ApiKeyVerificationOutcome.Malformed, null, problem);

    public static ApiKeyVerification Unknown() => new(ApiKeyVerificationOutcome.Unknown, null, "The API key is not known; check that it was copied whole.");

    public static ApiKeyVerification Revoked(ApiKeyRecord key) =>
        new(ApiKeyVerificationOutcome.Revoked, key, $"The API key {key.Id} was revoked; ask an admin for a new one.");

    public static ApiKeyVerification Expired(ApiKeyRecord key) =>
        new(ApiKeyVerificationOutcome.Expired, key, $"The API key {key.Id} expired at {key.ExpiresAt:u}; ask an admin for a new one.");
}
