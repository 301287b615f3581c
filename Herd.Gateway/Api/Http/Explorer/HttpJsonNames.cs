using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using DefaultJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Herd.Gateway.Api.Http.Explorer;

/// <summary>Gives each component schema of an HTTP door type its names and number forms on the wire (<see cref="WireSchemas"/>).</summary>
/// <remarks>
/// A document transformer, not a schema transformer: it works on the finished components, which
/// hold every schema once, where a schema transformer is not called for some nested schemas (a
/// nullable object property of a base class, such as <c>stream_options</c>).
/// </remarks>
public sealed class HttpJsonNames(IOptions<DefaultJsonOptions> json) : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Components?.Schemas is not { } schemas)
        {
            return Task.CompletedTask;
        }

        var defaults = json.Value.SerializerOptions;
        var wire = new WireSchemas(defaults);
        foreach (var type in HttpJsonTypes.All)
        {
            if (OpenApiOptions.CreateDefaultSchemaReferenceId(defaults.GetTypeInfo(type)) is { } id && schemas.TryGetValue(id, out var schema))
            {
                wire.Apply(schema, type);
            }
        }

        return Task.CompletedTask;
    }
}
