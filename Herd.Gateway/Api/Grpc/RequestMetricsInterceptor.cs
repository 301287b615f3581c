using Grpc.Core;
using Grpc.Core.Interceptors;
using Herd.Gateway.Telemetry;

namespace Herd.Gateway.Api.Grpc;

/// <summary>
/// Counts every gRPC call the gateway answers in <c>herd.gateway.requests</c>, by method and the
/// status the client sees. Registered before every other interceptor, so it sees the statuses
/// they answer with (a refused key, an unreachable Redis) too.
/// </summary>
public sealed class RequestMetricsInterceptor(GatewayTelemetry telemetry) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return await CountAsync(context, () => continuation(request, context)).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return await CountAsync(context, () => continuation(requestStream, context)).ConfigureAwait(false);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return CountAsync(context, async () =>
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return true;
        });
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return CountAsync(context, async () =>
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            return true;
        });
    }

    private async Task<T> CountAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(context);
        var status = StatusCode.Unknown;
        try
        {
            var result = await call().ConfigureAwait(false);
            status = StatusCode.OK;
            return result;
        }
        catch (RpcException exception)
        {
            status = exception.StatusCode;
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            status = StatusCode.Cancelled;
            throw;
        }
        finally
        {
            // A method may also end by setting the status on the context rather than throwing.
            if (status == StatusCode.OK && context.Status.StatusCode != StatusCode.OK)
            {
                status = context.Status.StatusCode;
            }

            telemetry.RequestEnded(context.Method, StatusNames.Of(status));
        }
    }
}
