using Grpc.Core;
using Grpc.Core.Interceptors;
using StackExchange.Redis;

namespace Herd.Gateway;

/// <summary>
/// Turns a Redis failure anywhere in a call into UNAVAILABLE with a message a client can act on,
/// instead of the UNKNOWN "exception was thrown by handler" gRPC gives an unhandled exception.
/// </summary>
public sealed partial class RedisUnavailableInterceptor(ILogger<RedisUnavailableInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (RedisException exception)
        {
            throw Unavailable(exception, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (RedisException exception)
        {
            throw Unavailable(exception, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (RedisException exception)
        {
            throw Unavailable(exception, context);
        }
    }

    private RpcException Unavailable(RedisException exception, ServerCallContext context)
    {
        LogRedisFailed(exception, context.Method);
        return new RpcException(new Status(StatusCode.Unavailable, $"The herd's Redis, which holds the queue, is unreachable; retry shortly. ({exception.Message})"));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} failed: Redis is unreachable")]
    private partial void LogRedisFailed(Exception exception, string method);
}
