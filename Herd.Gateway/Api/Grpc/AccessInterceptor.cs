using Grpc.Core;
using Grpc.Core.Interceptors;
using Herd.Gateway.Access;
using Herd.Gateway.Access.Keys;
using Herd.Gateway.Access.Roles;

namespace Herd.Gateway.Api.Grpc;

/// <summary>
/// The door of every client-facing service: it verifies the call's API key
/// (UNAUTHENTICATED otherwise), finds the key's role and checks that the role may call the
/// method (PERMISSION_DENIED otherwise), and hands the <see cref="Caller"/> to the service.
/// </summary>
public sealed partial class AccessInterceptor(KeyVerifier verifier, RoleCatalog roles, ILogger<AccessInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AdmitAsync(context).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AdmitAsync(context).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AdmitAsync(context).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AdmitAsync(context).ConfigureAwait(false);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    private async Task AdmitAsync(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var presented = ApiKeyHeaders.Find(context.RequestHeaders, out var problem)
            ?? throw Refuse(StatusCode.Unauthenticated, problem, context, keyId: null);

        ApiKeyVerification verification;
        try
        {
            verification = await verifier.VerifyAsync(presented, context.CancellationToken).ConfigureAwait(false);
        }
        catch (LedgerUnreachableException exception)
        {
            LogLedgerUnreachable(exception, context.Method);
            throw new RpcException(new Status(StatusCode.Unavailable, exception.Message));
        }

        if (!verification.IsValid)
        {
            throw Refuse(StatusCode.Unauthenticated, verification.Reason, context, verification.Key?.Id);
        }

        var key = verification.Key;
        if (!roles.TryGet(key.Role, out var role))
        {
            throw Refuse(StatusCode.PermissionDenied,
                $"The API key {key.Id} has the role '{key.Role}', which the gateway's roles file does not define; ask an admin to define it or to give the key another role.",
                context, key.Id);
        }

        if (!role.AllowsMethod(context.Method))
        {
            throw Refuse(StatusCode.PermissionDenied,
                $"The role '{role.Name}' of API key {key.Id} may not call {Role.WithoutLeadingSlash(context.Method)}.", context, key.Id);
        }

        context.SetCaller(new Caller(key.Id, key.Name, role, key.HistoryOptOut, key.Budget));
    }

    private RpcException Refuse(StatusCode status, string message, ServerCallContext context, string? keyId)
    {
        LogRefused(context.Method, status, keyId, message);
        return new RpcException(new Status(status, message));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} refused ({Status}) for key {KeyId}: {Reason}")]
    private partial void LogRefused(string method, StatusCode status, string? keyId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} failed: the ledger is unreachable and the key was not verified recently")]
    private partial void LogLedgerUnreachable(Exception exception, string method);
}
