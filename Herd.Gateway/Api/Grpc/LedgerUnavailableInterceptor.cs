using Grpc.Core;
using Grpc.Core.Interceptors;
using Herd.Gateway.Ledger;

namespace Herd.Gateway.Api.Grpc;

/// <summary>
/// Turns a ledger database that cannot be reached into UNAVAILABLE with a message a client can act
/// on, instead of the UNKNOWN "exception was thrown by handler" gRPC gives an unhandled exception.
/// Put on the unary services that read and write the ledger (keys, usage, history).
/// </summary>
public sealed partial class LedgerUnavailableInterceptor(ILogger<LedgerUnavailableInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception exception) when (LedgerMigrator.IsUnreachable(exception) && !context.CancellationToken.IsCancellationRequested)
        {
            LogLedgerUnreachable(exception, context.Method);
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"The herd's ledger database (PostgreSQL), which holds keys, usage and history, is unreachable; retry shortly, and if it persists ask an operator to check ConnectionStrings:ledger and the database. ({LedgerMigrator.Describe(exception)})"));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} failed: the ledger's PostgreSQL is unreachable")]
    private partial void LogLedgerUnreachable(Exception exception, string method);
}
