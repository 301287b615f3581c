using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Herd.Gateway.Api.Http.Explorer;

/// <summary>The document's title and description, and its server as a base a route's path is appended to.</summary>
public sealed class HttpDoorInfo : IOpenApiDocumentTransformer
{
    public const string Title = "Herd HTTP API";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Info = new OpenApiInfo
        {
            Title = Title,
            Version = ExplorerExtensions.DocumentName,
            Description = "OpenAI's HTTP API and llm-api's routes, served by a herd's gateway over the same keys, roles, limits, queue and nodes as its gRPC API. Enter an API key under Authentication to call them from this page.",
        };

        // The server is the address the document was asked at, with a slash at the end that
        // would double the one every path starts with.
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        return Task.CompletedTask;
    }
}
