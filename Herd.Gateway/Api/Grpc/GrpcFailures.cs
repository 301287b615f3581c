using System.Globalization;
using Grpc.Core;
using Herd.Gateway.Failures;

namespace Herd.Gateway.Api.Grpc;

/// <summary>The gRPC door's answer to each <see cref="FailureKind"/>: the one place where a failure becomes a status.</summary>
public static class GrpcFailures
{
    /// <summary>Metadata key of the retry hint on RESOURCE_EXHAUSTED, in milliseconds.</summary>
    public const string RetryAfterKey = "retry-after-ms";

    public static StatusCode CodeOf(FailureKind kind) => kind switch
    {
        FailureKind.InvalidRequest => StatusCode.InvalidArgument,
        FailureKind.Unauthenticated => StatusCode.Unauthenticated,
        FailureKind.Forbidden => StatusCode.PermissionDenied,
        FailureKind.ModelNotServed or FailureKind.PromptNotFound => StatusCode.NotFound,
        FailureKind.OverLimit or FailureKind.OverBudget or FailureKind.QueueFull or FailureKind.NodeBusy => StatusCode.ResourceExhausted,
        FailureKind.NodeCannotServe => StatusCode.FailedPrecondition,
        FailureKind.Unavailable => StatusCode.Unavailable,
        FailureKind.NoNodeInTime => StatusCode.DeadlineExceeded,
        FailureKind.Cancelled => StatusCode.Cancelled,
        _ => StatusCode.Internal,
    };

    /// <summary>The failure as the status a client sees, with the retry hint in the trailers when there is one.</summary>
    public static RpcException ToRpcException(RequestFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var status = new Status(CodeOf(failure.Kind), failure.Message);
        return failure.RetryAfter is { } retryAfter
            ? new RpcException(status, new Metadata { { RetryAfterKey, Math.Max(1, (long)Math.Ceiling(retryAfter.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) } })
            : new RpcException(status);
    }
}
