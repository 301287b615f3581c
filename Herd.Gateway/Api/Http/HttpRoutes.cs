using Herd.Gateway.Api.Http.OpenAi;
using Herd.Gateway.Failures;
using Herd.Gateway.Telemetry;
using StackExchange.Redis;

namespace Herd.Gateway.Api.Http;

/// <summary>What every route of the HTTP door does around its own work: answer what stopped it, once, and count it.</summary>
public static class HttpRoutes
{
    /// <summary>Runs a route, answers what stopped it in OpenAI's error shape, and counts it by route and outcome.</summary>
    public static async Task AnswerAsync(HttpContext http, string path, GatewayTelemetry telemetry, Func<Task> route)
    {
        var outcome = OutcomeNames.Ok;
        try
        {
            await route().ConfigureAwait(false);
        }
        catch (OpenAiRequestException refused)
        {
            outcome = OutcomeNames.Of(refused.Failure.Kind);
            await FailAsync(http, refused.Failure, refused.Param.Length == 0 ? null : refused.Param).ConfigureAwait(false);
        }
        catch (RequestFailedException failed)
        {
            outcome = OutcomeNames.Of(failed.Kind);
            await FailAsync(http, failed.Failure, null).ConfigureAwait(false);
        }
        catch (RedisException exception)
        {
            outcome = OutcomeNames.Of(FailureKind.Unavailable);
            await FailAsync(http, new RequestFailure(FailureKind.Unavailable, $"The herd's Redis, which holds the queue, is unreachable; retry shortly. ({exception.Message})"), null).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested || http.Response.HasStarted)
        {
            // The client left (its stream may close before the request is marked aborted): there is no one to answer.
            outcome = OutcomeNames.Cancelled;
        }
        finally
        {
            telemetry.RequestEnded(HttpCallers.RouteName(path), outcome);
        }
    }

    /// <summary>Before the answer started, the failure is the answer; after, it is the stream's last event.</summary>
    private static async Task FailAsync(HttpContext http, RequestFailure failure, string? param)
    {
        if (!http.Response.HasStarted)
        {
            await HttpFailures.WriteAsync(http.Response, failure, param).ConfigureAwait(false);
            return;
        }

        try
        {
            await new ServerSentEvents(http.Response).WriteAsync(HttpFailures.BodyOf(failure, param), HttpJson.Default.ErrorBody, http.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client left meanwhile.
        }
    }
}
