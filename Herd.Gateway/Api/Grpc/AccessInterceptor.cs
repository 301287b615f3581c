using Grpc.Core;
using Grpc.Core.Interceptors;
using Herd.Gateway.Access;

namespace Herd.Gateway.Api.Grpc;

/// <summary>
/// The gRPC door's key check (<see cref="KeyCheck"/>) in front of every client-facing service:
/// UNAUTHENTICATED without a key in force, PERMISSION_DENIED when its role may not call the
/// method; the <see cref="Caller"/> goes to the service.
/// </summary>
public sealed class AccessInterceptor(KeyCheck keys) : Interceptor
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
        var headers = context.RequestHeaders;
        // A refusal is a RequestFailedException, which the FailureStatusInterceptor (global, so
        // outside this one) answers with its status.
        var caller = await keys.CheckAsync(headers.GetValue(ApiKeyHeaders.Authorization), headers.GetValue(ApiKeyHeaders.ApiKey), context.Method, context.CancellationToken).ConfigureAwait(false);
        context.SetCaller(caller);
    }
}
