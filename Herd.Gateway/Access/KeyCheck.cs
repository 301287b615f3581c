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

        ApiKeyVerification verification;
        try
        {
            verification = await verifier.VerifyAsync(presented, cancellationToken).ConfigureAwait(false);
        }
        catch (LedgerUnreachableException exception)
        {
            LogLedgerUnreachable(exception, method);
            throw new RequestFailedException(FailureKind.Unavailable, exception.Message);
        }

        if (!verification.IsValid)
        {
            throw Refuse(FailureKind.Unauthenticated, verification.Reason, method, verification.Key?.Id);
        }

        var key = verification.Key;
        if (!roles.TryGet(key.Role, out var role))
        {
            throw Refuse(FailureKind.Forbidden,
                $"The API key {key.Id} has the role '{key.Role}', which the gateway's roles file does not define; ask an admin to define it or to give the key another role.",
                method, key.Id);
        }

        var name = Role.WithoutLeadingSlash(method);
        if (!role.AllowsMethod(name))
        {
            throw Refuse(FailureKind.Forbidden, $"The role '{role.Name}' of API key {key.Id} may not call {name}.", method, key.Id);
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
