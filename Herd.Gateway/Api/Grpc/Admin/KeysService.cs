using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Access.Keys;
using Herd.Gateway.Access.Roles;

namespace Herd.Gateway.Api.Grpc.Admin;

/// <summary>
/// <c>herd.v1.Keys</c>: creating, revoking and listing API keys. A revoked key is refused by this
/// gateway at once and by the other replicas within <see cref="AccessOptions.KeyCacheTtl"/>.
/// </summary>
public sealed partial class KeysService(
    ApiKeyStore store,
    KeyVerifier verifier,
    RoleCatalog roles,
    ILogger<KeysService> logger) : Keys.KeysBase
{
    public override async Task<CreateKeyResponse> CreateKey(CreateKeyRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = context.RequireCaller();
        RequireKnownRole(request.Role);
        RequirePrintableName(request.Name);
        var expiresAt = request.ExpiresAt is null ? (DateTimeOffset?)null : RequestFields.Instant(request.ExpiresAt, "expires_at");
        var budget = request.HasBudget ? Budget(request.Budget) : (decimal?)null;
        CreatedApiKey created;
        try
        {
            created = await store.CreateAsync(
                request.Name, request.Role, expiresAt, request.HistoryOptOut, budget, caller.KeyId, context.CancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException exception)
        {
            // The store's own checks (name length, expiry in the future) say what is allowed.
            throw RequestFields.Invalid(NewKeyRules.Problem(exception));
        }

        return new CreateKeyResponse { Key = ApiKeyMessages.Key(created.Key), Secret = created.Secret };
    }

    public override async Task<RevokeKeyResponse> RevokeKey(RevokeKeyRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = context.RequireCaller();
        if (!ApiKeySecret.IsKeyId(request.KeyId))
        {
            throw RequestFields.Invalid(
                $"key_id must be a key id: the {ApiKeySecret.KeyIdLength} characters of a-z and 0-9 between \"{ApiKeySecret.Prefix}\" and the second \"_\" of the key, as ListKeys shows it.");
        }

        // Revoking twice is not an error: a retried call must not fail because the first one worked.
        if (!await store.RevokeAsync(request.KeyId, context.CancellationToken).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"No API key has the id {request.KeyId}; ListKeys shows every key."));
        }

        verifier.Forget(request.KeyId);
        LogRevoked(request.KeyId, caller.KeyId);
        var key = await store.FindAsync(request.KeyId, context.CancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Key {request.KeyId} was revoked but then not found; keys are never deleted.");
        return new RevokeKeyResponse { Key = ApiKeyMessages.Key(key) };
    }

    public override async Task<ListKeysResponse> ListKeys(ListKeysRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.RequireCaller();
        var keys = await store.ListAsync(context.CancellationToken).ConfigureAwait(false);
        var response = new ListKeysResponse();
        response.Keys.AddRange(keys.Select(ApiKeyMessages.Key));
        return response;
    }

    private void RequireKnownRole(string role)
    {
        if (NewKeyRules.RoleProblem(roles, role) is { } problem)
        {
            throw RequestFields.Invalid(problem);
        }
    }

    private static void RequirePrintableName(string name)
    {
        if (NewKeyRules.NameProblem(name) is { } problem)
        {
            throw RequestFields.Invalid(problem);
        }
    }

    private static decimal Budget(string text) =>
        NewKeyRules.TryReadBudget(text, out var budget, out var problem) ? budget : throw RequestFields.Invalid(problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "API key {KeyId} revoked by {CallerKeyId}")]
    private partial void LogRevoked(string keyId, string callerKeyId);
}
