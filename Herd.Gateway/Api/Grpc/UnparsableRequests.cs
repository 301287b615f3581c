using Grpc.Core;

namespace Herd.Gateway.Api.Grpc;

/// <summary>
/// Turns a request body that does not parse into INVALID_ARGUMENT, said once in the log now and
/// then rather than as a stack trace per call: gRPC would answer UNKNOWN "Exception was thrown by
/// handler" and log each at error level, and it parses a body before any key is checked, so
/// anyone could flood the logs.
/// </summary>
public sealed partial class UnparsableRequests(ILogger<UnparsableRequests> logger, TimeProvider time)
{
    /// <summary>At most one log line per this long; the line counts those not logged in between.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private DateTimeOffset _lastLogged = DateTimeOffset.MinValue;
    private long _unlogged;

    /// <summary>The method with a request marshaller that answers an unparsable body with INVALID_ARGUMENT.</summary>
    public Method<TRequest, TResponse> Guard<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(method);
        var inner = method.RequestMarshaller;
        var typeName = typeof(TRequest).Name;
        var requests = Marshallers.Create(
            inner.ContextualSerializer,
            context =>
            {
                try
                {
                    return inner.ContextualDeserializer(context);
                }
                catch (Exception exception) when (exception is not RpcException)
                {
                    Refused(method.FullName, exception);
                    throw new RpcException(new Status(StatusCode.InvalidArgument,
                        $"The request could not be parsed as a {typeName} message ({exception.Message}); send the method's protobuf message."));
                }
            });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, requests, method.ResponseMarshaller);
    }

    private void Refused(string method, Exception exception)
    {
        long skipped;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (now - _lastLogged < LogInterval)
            {
                _unlogged++;
                return;
            }

            _lastLogged = now;
            skipped = _unlogged;
            _unlogged = 0;
        }

        LogUnparsable(method, exception.GetType().Name, exception.Message, skipped);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method}: a request body did not parse ({ExceptionType}: {Reason}); answered INVALID_ARGUMENT. {Skipped} more since the last such line")]
    private partial void LogUnparsable(string method, string exceptionType, string reason, long skipped);
}
