using Grpc.Core;
using Grpc.Core.Interceptors;
using Herd.Gateway.Failures;
using StackExchange.Redis;

namespace Herd.Gateway.Api.Grpc;

/// <summary>
/// Answers what stopped a call with the status a client can act on: a request failure as
/// <see cref="GrpcFailures"/> maps it, and a Redis failure anywhere in the call as UNAVAILABLE,
/// instead of the UNKNOWN "exception was thrown by handler" gRPC gives an unhandled exception.
/// </summary>
public sealed partial class FailureStatusInterceptor(ILogger<FailureStatusInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception exception) when (Answers(exception, context) is { } answer)
        {
            throw answer;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception exception) when (Answers(exception, context) is { } answer)
        {
            throw answer;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception exception) when (Answers(exception, context) is { } answer)
        {
            throw answer;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception exception) when (Answers(exception, context) is { } answer)
        {
            throw answer;
        }
    }

    /// <summary>The status to answer with; null for an exception this interceptor leaves alone.</summary>
    private RpcException? Answers(Exception exception, ServerCallContext context)
    {
        switch (exception)
        {
            case RequestFailedException failed:
                return GrpcFailures.ToRpcException(failed.Failure);
            case RedisException redis:
                LogRedisFailed(redis, context.Method);
                return new RpcException(new Status(StatusCode.Unavailable, $"The herd's Redis, which holds the queue, is unreachable; retry shortly. ({redis.Message})"));
            default:
                return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} failed: Redis is unreachable")]
    private partial void LogRedisFailed(Exception exception, string method);
}
