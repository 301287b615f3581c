using System.Text;
using System.Text.Json;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Api.Http.OpenAi;
using Herd.Gateway.Completions;
using Herd.Gateway.Nodes.Catalog;
using Herd.Gateway.Telemetry;
using Microsoft.Net.Http.Headers;

namespace Herd.Gateway.Api.Http.LlmApi;

/// <summary>
/// The routes of the llm-api project that langchain-llm-api's <c>LLMAPI</c> calls: <c>/generate</c>
/// answers the completion as plain text (the client returns the body as it is), and
/// <c>/agenerate</c> streams it as server-sent events, one event per step, when the client accepts
/// <c>text/event-stream</c>, and otherwise answers as <c>/generate</c> does. <c>/embeddings</c>
/// answers one text's embedding as a bare array of numbers.
/// </summary>
public static class LlmApiEndpoints
{
    public const string GeneratePath = "/generate";
    public const string StreamingGeneratePath = "/agenerate";
    public const string EmbeddingsPath = "/embeddings";

    /// <summary>The group these routes have in the OpenAPI document.</summary>
    public const string Tag = "llm-api";

    public static IEndpointRouteBuilder MapLlmApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapPost(GeneratePath, (HttpContext http, HttpCallers callers, CompletionRunner runner, ModelCatalog catalog, GatewayTelemetry telemetry) =>
            HttpRoutes.AnswerAsync(http, GeneratePath, telemetry, () => GenerateAsync(http, GeneratePath, callers, runner, catalog, stream: false)))
            .AcceptsBody<GenerateBody>().Produces<string>(contentType: HttpRouteDocs.PlainText)
            .Documented(Tag, "Generate text", "llm-api's completion, answered as plain text.", HttpRouteDocs.CompletionFailures);
        routes.MapPost(StreamingGeneratePath, (HttpContext http, HttpCallers callers, CompletionRunner runner, ModelCatalog catalog, GatewayTelemetry telemetry) =>
            HttpRoutes.AnswerAsync(http, StreamingGeneratePath, telemetry, () => GenerateAsync(
                http, StreamingGeneratePath, callers, runner, catalog, stream: http.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))))
            .AcceptsBody<GenerateBody>().Produces<string>(contentType: HttpRouteDocs.PlainText).ProducesEvents<string>()
            .Documented(Tag, "Generate text, streamed", "With `Accept: text/event-stream`, one event per step whose data is the step's text; otherwise as `/generate`.", HttpRouteDocs.CompletionFailures);
        routes.MapPost(EmbeddingsPath, (HttpContext http, HttpCallers callers, CompletionRunner runner, ModelCatalog catalog, GatewayTelemetry telemetry) =>
            HttpRoutes.AnswerAsync(http, EmbeddingsPath, telemetry, () => EmbedAsync(http, callers, runner, catalog)))
            .AcceptsBody<EmbedTextBody>().Produces<float[]>(contentType: HttpRouteDocs.Json)
            .Documented(Tag, "Embed a text", "llm-api's embedding of one text, answered as a bare array of numbers (a unit vector of the model's hidden size).", HttpRouteDocs.CompletionFailures);
        return routes;
    }

    private static async Task GenerateAsync(HttpContext http, string path, HttpCallers callers, CompletionRunner runner, ModelCatalog catalog, bool stream)
    {
        var caller = await callers.CheckAsync(http, path).ConfigureAwait(false);
        var body = await HttpBodies.ReadAsync(http, HttpJson.Default.GenerateBody).ConfigureAwait(false);
        var request = LlmApiRequests.Generate(body, await ServedUnlessNamedAsync(body.Params, catalog, caller).ConfigureAwait(false));
        var text = new StringBuilder();
        await foreach (var completionEvent in runner.RunAsync(request, caller, Door.Http, http.RequestAborted).ConfigureAwait(false))
        {
            if (completionEvent.Delta is not { } delta)
            {
                continue;
            }

            if (stream)
            {
                await WriteEventAsync(http.Response, delta, http.RequestAborted).ConfigureAwait(false);
            }
            else
            {
                text.Append(delta.Text);
            }
        }

        if (!stream)
        {
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync(text.ToString(), http.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>The text's embedding as a bare JSON array of numbers, as llm-api answers.</summary>
    private static async Task EmbedAsync(HttpContext http, HttpCallers callers, CompletionRunner runner, ModelCatalog catalog)
    {
        var caller = await callers.CheckAsync(http, EmbeddingsPath).ConfigureAwait(false);
        var body = await HttpBodies.ReadAsync(http, HttpJson.Default.EmbedTextBody).ConfigureAwait(false);
        var request = LlmApiRequests.Embed(body, await ServedUnlessNamedAsync(body.Params, catalog, caller).ConfigureAwait(false));
        var done = await EmbeddingRuns.RunAsync(runner, request, caller, http.RequestAborted).ConfigureAwait(false);
        await http.Response.WriteAsJsonAsync(done.Embeddings[0].Values.ToArray(), HttpJson.Default.SingleArray, contentType: null, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// The base models the caller may use, looked up only for a body that names none: a herd of
    /// one base model with adapters still has one model to default to.
    /// </summary>
    private static async Task<IReadOnlyList<string>> ServedUnlessNamedAsync(Dictionary<string, JsonElement>? parameters, ModelCatalog catalog, Caller? caller) =>
        LlmApiRequests.NamedModel(parameters) is null
            ? await OpenAiModels.BaseModelsAsync(catalog, caller).ConfigureAwait(false)
            : [];

    /// <summary>One event whose data is the step's text; a new line in it becomes a second data line, as the format requires.</summary>
    private static async Task WriteEventAsync(HttpResponse response, CompletionDelta delta, CancellationToken cancellationToken)
    {
        if (!response.HasStarted)
        {
            response.ContentType = "text/event-stream; charset=utf-8";
            response.Headers.CacheControl = "no-cache";
            response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        }

        var lines = delta.Text.Split('\n');
        var frame = new StringBuilder();
        foreach (var line in lines)
        {
            frame.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
        }

        frame.Append('\n');
        await response.WriteAsync(frame.ToString(), cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
