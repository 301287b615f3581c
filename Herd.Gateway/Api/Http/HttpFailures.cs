using System.Globalization;
using System.Text.Json.Serialization;
using Herd.Gateway.Failures;

namespace Herd.Gateway.Api.Http;

/// <summary>
/// The HTTP door's answer to each <see cref="FailureKind"/>: the status an OpenAI client expects
/// and an error body in OpenAI's shape, <c>{"error": {"message", "type", "param", "code"}}</c>.
/// The one place where a failure becomes an HTTP answer.
/// </summary>
public static class HttpFailures
{
    /// <summary>What clients that cannot wait for a whole second read (OpenAI's SDKs do).</summary>
    public const string RetryAfterMillisecondsHeader = "retry-after-ms";

    /// <summary>Not a standard status: the client closed the request (as nginx logs it).</summary>
    public const int ClientClosedRequest = 499;

    public static int StatusOf(FailureKind kind) => kind switch
    {
        FailureKind.InvalidRequest => StatusCodes.Status400BadRequest,
        FailureKind.Unauthenticated => StatusCodes.Status401Unauthorized,
        FailureKind.Forbidden => StatusCodes.Status403Forbidden,
        FailureKind.ModelNotServed or FailureKind.PromptNotFound => StatusCodes.Status404NotFound,
        FailureKind.OverLimit or FailureKind.OverBudget or FailureKind.QueueFull or FailureKind.NodeBusy => StatusCodes.Status429TooManyRequests,
        FailureKind.Unavailable or FailureKind.NoNodeInTime => StatusCodes.Status503ServiceUnavailable,
        FailureKind.Cancelled => ClientClosedRequest,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The error body: OpenAI's <c>type</c> and a <c>code</c> a program can branch on.</summary>
    public static ErrorBody BodyOf(RequestFailure failure, string? param = null)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var (type, code) = failure.Kind switch
        {
            FailureKind.InvalidRequest => ("invalid_request_error", "invalid_request"),
            FailureKind.Unauthenticated => ("authentication_error", "invalid_api_key"),
            FailureKind.Forbidden => ("permission_error", "permission_denied"),
            FailureKind.ModelNotServed => ("invalid_request_error", "model_not_found"),
            FailureKind.PromptNotFound => ("invalid_request_error", "prompt_not_found"),
            FailureKind.OverLimit => ("rate_limit_error", "rate_limit_exceeded"),
            FailureKind.OverBudget => ("insufficient_quota", "insufficient_quota"),
            FailureKind.QueueFull => ("rate_limit_error", "queue_full"),
            FailureKind.Unavailable => ("server_error", "service_unavailable"),
            FailureKind.NoNodeInTime => ("server_error", "no_node_in_time"),
            FailureKind.NodeBusy => ("rate_limit_error", "node_busy"),
            FailureKind.NodeCannotServe => ("server_error", "node_cannot_serve"),
            FailureKind.Cancelled => ("request_cancelled", "cancelled"),
            _ => ("server_error", "node_failed"),
        };
        return new ErrorBody(new ErrorDetail(failure.Message, type, param, code));
    }

    /// <summary>Writes the failure as the whole response: status, retry headers and error body.</summary>
    public static Task WriteAsync(HttpResponse response, RequestFailure failure, string? param = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(failure);
        response.StatusCode = StatusOf(failure.Kind);
        if (failure.RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            response.Headers[RetryAfterMillisecondsHeader] = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
        }

        return response.WriteAsJsonAsync(BodyOf(failure, param), HttpJson.Default.ErrorBody);
    }
}

/// <summary>OpenAI's error envelope.</summary>
public sealed record ErrorBody(ErrorDetail Error);

/// <param name="Param">The request field at fault, when one is.</param>
public sealed record ErrorDetail(string Message, string Type, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param, string? Code);
