using System.Diagnostics.CodeAnalysis;
using Herd.Gateway.Access;

namespace Herd.Gateway.WebApp.Session;

/// <summary>Whether the signed-in key may do something: the caller when it may, the reason in words when it may not.</summary>
public sealed record AccessAnswer(Caller? Caller, string? Refusal)
{
    public static readonly AccessAnswer SignedOut = new(null, "Sign in with an API key first.");

    [MemberNotNullWhen(true, nameof(Caller))]
    [MemberNotNullWhen(false, nameof(Refusal))]
    public bool IsAllowed => Caller is not null && Refusal is null;

    public static AccessAnswer Allowed(Caller caller) => new(caller, null);

    public static AccessAnswer Refused(string refusal) => new(null, refusal);
}
