using Herd.Gateway.Access.Keys;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Failures;

namespace Herd.Gateway.Access;

/// <summary>
/// The key check of every client call, whichever door it came through: the presented API key
/// must be in force and its role must allow the method (a gRPC method such as
/// <c>herd.v1.Completions/Complete</c>, or an HTTP route such as <c>http/v1/chat/completions</c>).
/// </summary>
public sealed partial class KeyCheck(KeyVerifier verifier, RoleCatalog roles, ILogger<KeyCheck> logger)
{
    /// <summary>The verified caller.</summary>
    /// <param name="authorization">The <c>authorization</c> header's value; null when absent.</param>
    /// <param name="apiKey">The <c>x-api-key</c> header's value; null when absent.</param>
    /// <param name="method">The method or route as roles name it in <c>allow_methods</c>.</param>
    /// <exception cref="RequestFailedException">Unauthenticated without a key in force, forbidden outside its role, unavailable when the ledger cannot be reached.</exception>
    public async Task<Caller> CheckAsync(string? authorization, string? apiKey, string method, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(method);
        var presented = ApiKeyHeaders.Find(authorization, apiKey, out var problem)
            ?? throw Refuse(FailureKind.Unauthenticated, problem, method, keyId: null);
        var caller = await IdentifyAsync(presented, method, cancellationToken).ConfigureAwait(false);
        var name = Role.WithoutLeadingSlash(method);
        if (!caller.Role.AllowsMethod(name))
        {
            throw Refuse(FailureKind.Forbidden, $"The role '{caller.Role.Name}' of API key {caller.KeyId} may not call {name}.", method, caller.KeyId);
        }

        return caller;
    }

    /// <summary>The caller a presented key stands for: the key must be in force and its role defined, whatever it may call.</summary>
    /// <param name="presented">The whole key as its holder gave it.</param>
    /// <param name="purpose">What the key is presented for, for the log: a method, or a page of the web app.</param>
    /// <exception cref="RequestFailedException">Unauthenticated without a key in force, forbidden when its role is not defined, unavailable when the ledger cannot be reached.</exception>
    public async Task<Caller> IdentifyAsync(string presented, string purpose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(presented);
        ArgumentNullException.ThrowIfNull(purpose);
        ApiKeyVerification verification;
        try
        {
            verification = await verifier.VerifyAsync(presented, cancellationToken).ConfigureAwait(false);
        }
        catch (LedgerUnreachableException exception)
        {
            LogLedgerUnreachable(exception, purpose);
            throw new RequestFailedException(FailureKind.Unavailable, exception.Message);
        }

        if (!verification.IsValid)
        {
            throw Refuse(FailureKind.Unauthenticated, verification.Reason, purpose, verification.Key?.Id);
        }

        var key = verification.Key;
        if (!roles.TryGet(key.Role, out var role))
        {
            throw Refuse(FailureKind.Forbidden,
                $"The API key {key.Id} has the role '{key.Role}', which the gateway's roles file does not define; ask an admin to define it or to give the key another role.",
                purpose, key.Id);
        }

        return new Caller(key.Id, key.Name, role, key.HistoryOptOut, key.Budget);
    }

    private RequestFailedException Refuse(FailureKind kind, string message, string method, string? keyId)
    {
        LogRefused(method, kind, keyId, message);
        return new RequestFailedException(kind, message);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} refused ({Kind}) for key {KeyId}: {Reason}")]
    private partial void LogRefused(string method, FailureKind kind, string? keyId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} failed: the ledger is unreachable and the key was not verified recently")]
    private partial void LogLedgerUnreachable(Exception exception, string method);
}
