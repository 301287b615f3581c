using Herd.Gateway.Completions;
using Herd.Gateway.Nodes.Catalog;
using Herd.Gateway.Telemetry;

namespace Herd.Gateway.Api.Http.OpenAi;

/// <summary>
/// The OpenAI-compatible routes: chat and text completions (whole or streamed), embeddings, and
/// the models a key may use. Every route checks the key first, then reads the body; whatever stops a request is
/// answered once, in OpenAI's error shape (<see cref="HttpFailures"/>).
/// </summary>
public static class OpenAiEndpoints
{
    public const string ChatPath = "/v1/chat/completions";
    public const string TextPath = "/v1/completions";
    public const string ModelsPath = "/v1/models";
    public const string EmbeddingsPath = "/v1/embeddings";

    /// <summary>The group these routes have in the OpenAPI document.</summary>
    public const string Tag = "OpenAI";

    public static IEndpointRouteBuilder MapOpenAi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapPost(ChatPath, (HttpContext http, HttpCallers callers, OpenAiResponder responder, GatewayTelemetry telemetry) =>
            HttpRoutes.AnswerAsync(http, ChatPath, telemetry, async () =>
            {
                var caller = await callers.CheckAsync(http, ChatPath).ConfigureAwait(false);
                var body = await HttpBodies.ReadAsync(http, HttpJson.Default.ChatCompletionBody).ConfigureAwait(false);
                await responder.AnswerAsync(http, OpenAiRequests.Chat(body), caller).ConfigureAwait(false);
            }))
            .AcceptsBody<ChatCompletionBody>().Produces<ChatCompletion>(contentType: HttpRouteDocs.Json).ProducesEvents<ChatCompletionChunk>()
            .Documented(Tag, "Create a chat completion", "Completes a conversation, whole or, with `stream: true`, as server-sent events of `chat.completion.chunk` ending with `data: [DONE]`.", HttpRouteDocs.CompletionFailures);
        routes.MapPost(TextPath, (HttpContext http, HttpCallers callers, OpenAiResponder responder, GatewayTelemetry telemetry) =>
            HttpRoutes.AnswerAsync(http, TextPath, telemetry, async () =>
            {
                var caller = await callers.CheckAsync(http, TextPath).ConfigureAwait(false);
                var body = await HttpBodies.ReadAsync(http, HttpJson.Default.TextCompletionBody).ConfigureAwait(false);
                await responder.AnswerAsync(http, OpenAiRequests.Text(body), caller).ConfigureAwait(false);
            }))
            .AcceptsBody<TextCompletionBody>().Produces<TextCompletion>(contentType: HttpRouteDocs.Json).ProducesEvents<TextCompletion>()
            .Documented(Tag, "Create a text completion", "Continues one prompt or several, whole or, with `stream: true`, as server-sent events of `text_completion` chunks ending with `data: [DONE]`.", HttpRouteDocs.CompletionFailures);
        routes.MapPost(EmbeddingsPath, (HttpContext http, HttpCallers callers, CompletionRunner runner, GatewayTelemetry telemetry) =>
            HttpRoutes.AnswerAsync(http, EmbeddingsPath, telemetry, async () =>
            {
                var caller = await callers.CheckAsync(http, EmbeddingsPath).ConfigureAwait(false);
                var body = await HttpBodies.ReadAsync(http, HttpJson.Default.EmbeddingBody).ConfigureAwait(false);
                await OpenAiEmbeddings.AnswerAsync(http, runner, body, caller).ConfigureAwait(false);
            }))
            .AcceptsBody<EmbeddingBody>().Produces<EmbeddingList>(contentType: HttpRouteDocs.Json)
            .Documented(Tag, "Create embeddings", "One unit vector per input text, of the model's hidden size: the mean of its last hidden states over the text's tokens. With `encoding_format: base64` each vector is a base64 string of little-endian float32 values.", HttpRouteDocs.CompletionFailures);
        routes.MapGet(ModelsPath, (HttpContext http, HttpCallers callers, ModelCatalog catalog, GatewayTelemetry telemetry) =>
            HttpRoutes.AnswerAsync(http, ModelsPath, telemetry, async () =>
            {
                var caller = await callers.CheckAsync(http, ModelsPath).ConfigureAwait(false);
                var models = await OpenAiModels.ListAsync(catalog, caller).ConfigureAwait(false);
                await http.Response.WriteAsJsonAsync(models, HttpJson.Default.ModelList, contentType: null, http.RequestAborted).ConfigureAwait(false);
            }))
            .Produces<ModelList>(contentType: HttpRouteDocs.Json)
            .Documented(Tag, "List models", "The models a ready node serves that the key's role may use.", HttpRouteDocs.KeyFailures);
        routes.MapGet(ModelsPath + "/{**id}", (HttpContext http, string id, HttpCallers callers, ModelCatalog catalog, GatewayTelemetry telemetry) =>
            HttpRoutes.AnswerAsync(http, ModelsPath, telemetry, async () =>
            {
                var caller = await callers.CheckAsync(http, ModelsPath).ConfigureAwait(false);
                var model = await OpenAiModels.FindAsync(catalog, caller, id).ConfigureAwait(false);
                await http.Response.WriteAsJsonAsync(model, HttpJson.Default.ModelBody, contentType: null, http.RequestAborted).ConfigureAwait(false);
            }))
            .Produces<ModelBody>(contentType: HttpRouteDocs.Json)
            .Documented(Tag, "Retrieve a model", "One served model; 404 when no ready node serves it or the key's role may not use it.", [.. HttpRouteDocs.KeyFailures, StatusCodes.Status404NotFound]);
        return routes;
    }
}
