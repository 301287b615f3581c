using Grpc.Core;
using Herd.Gateway.Access;

namespace Herd.Gateway.Api.Grpc;

/// <summary>Carries the <see cref="Caller"/> the access check found from the interceptor to the service.</summary>
public static class CallerContext
{
    private static readonly object CallerKey = new();

    /// <summary>The call's verified caller; null when access control is off (<see cref="AccessOptions.Enabled"/>).</summary>
    public static Caller? GetCaller(this ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.UserState.TryGetValue(CallerKey, out var caller) ? (Caller)caller : null;
    }

    /// <summary>
    /// The caller of a method that is only served with access control on (key and account
    /// administration). Without one the method has nothing to act for.
    /// </summary>
    /// <exception cref="RpcException">FAILED_PRECONDITION when access control is off.</exception>
    public static Caller RequireCaller(this ServerCallContext context) =>
        GetCaller(context) ?? throw new RpcException(new Status(StatusCode.FailedPrecondition,
            "This gateway runs with access control off (Herd:Gateway:Access:Enabled=false), so it has no keys, accounts or usage to act on."));

    internal static void SetCaller(this ServerCallContext context, Caller caller) => context.UserState[CallerKey] = caller;
}
