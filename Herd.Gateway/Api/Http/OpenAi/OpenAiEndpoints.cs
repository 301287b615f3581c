using Herd.Gateway.Failures;
using Herd.Gateway.Nodes.Catalog;
using Herd.Gateway.Telemetry;
using StackExchange.Redis;

namespace Herd.Gateway.Api.Http.OpenAi;

/// <summary>
/// The OpenAI-compatible routes: chat and text completions (whole or streamed), and the models a
/// key may use. Every route checks the key first, then reads the body; whatever stops a request is
/// answered once, in OpenAI's error shape (<see cref="HttpFailures"/>).
/// </summary>
public static class OpenAiEndpoints
{
    public const string ChatPath = "/v1/chat/completions";
    public const string TextPath = "/v1/completions";
    public const string ModelsPath = "/v1/models";

    public static IEndpointRouteBuilder MapOpenAi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapPost(ChatPath, (HttpContext http, HttpCallers callers, OpenAiResponder responder, GatewayTelemetry telemetry) =>
            AnswerAsync(http, ChatPath, telemetry, async () =>
            {
                var caller = await callers.CheckAsync(http, ChatPath).ConfigureAwait(false);
                var body = await HttpBodies.ReadAsync(http, HttpJson.Default.ChatCompletionBody).ConfigureAwait(false);
                await responder.AnswerAsync(http, OpenAiRequests.Chat(body), caller).ConfigureAwait(false);
            }));
        routes.MapPost(TextPath, (HttpContext http, HttpCallers callers, OpenAiResponder responder, GatewayTelemetry telemetry) =>
            AnswerAsync(http, TextPath, telemetry, async () =>
            {
                var caller = await callers.CheckAsync(http, TextPath).ConfigureAwait(false);
                var body = await HttpBodies.ReadAsync(http, HttpJson.Default.TextCompletionBody).ConfigureAwait(false);
                await responder.AnswerAsync(http, OpenAiRequests.Text(body), caller).ConfigureAwait(false);
            }));
        routes.MapGet(ModelsPath, (HttpContext http, HttpCallers callers, ModelCatalog catalog, GatewayTelemetry telemetry) =>
            AnswerAsync(http, ModelsPath, telemetry, async () =>
            {
                var caller = await callers.CheckAsync(http, ModelsPath).ConfigureAwait(false);
                var models = await OpenAiModels.ListAsync(catalog, caller).ConfigureAwait(false);
                await http.Response.WriteAsJsonAsync(models, HttpJson.Default.ModelList, contentType: null, http.RequestAborted).ConfigureAwait(false);
            }));
        routes.MapGet(ModelsPath + "/{**id}", (HttpContext http, string id, HttpCallers callers, ModelCatalog catalog, GatewayTelemetry telemetry) =>
            AnswerAsync(http, ModelsPath, telemetry, async () =>
            {
                var caller = await callers.CheckAsync(http, ModelsPath).ConfigureAwait(false);
                var model = await OpenAiModels.FindAsync(catalog, caller, id).ConfigureAwait(false);
                await http.Response.WriteAsJsonAsync(model, HttpJson.Default.ModelBody, contentType: null, http.RequestAborted).ConfigureAwait(false);
            }));
        return routes;
    }

    /// <summary>Runs a route, answers what stopped it, and counts it by route and outcome.</summary>
    private static async Task AnswerAsync(HttpContext http, string path, GatewayTelemetry telemetry, Func<Task> route)
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
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client left: there is no one to answer.
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
