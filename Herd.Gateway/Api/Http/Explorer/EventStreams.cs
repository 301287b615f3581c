using System.Globalization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using DefaultJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Herd.Gateway.Api.Http.Explorer;

/// <summary>Adds <c>text/event-stream</c> to the 200 answer of each route marked with <see cref="EventStreamAnswer"/>, with the schema of one event's data.</summary>
public sealed class EventStreams(IOptions<DefaultJsonOptions> json) : IOpenApiOperationTransformer
{
    private static readonly string Ok = StatusCodes.Status200OK.ToString(CultureInfo.InvariantCulture);

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<EventStreamAnswer>().FirstOrDefault() is not { } events
            || operation.Responses?.GetValueOrDefault(Ok) is not OpenApiResponse answer)
        {
            return;
        }

        // The generator gives an event type's schema inline, nested types and all, so it gets the wire's names here rather than with the components.
        var schema = await context.GetOrCreateSchemaAsync(events.Event, parameterDescription: null, cancellationToken).ConfigureAwait(false);
        new WireSchemas(json.Value.SerializerOptions).Apply(schema, events.Event);
        answer.Content ??= new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal);
        answer.Content[HttpRouteDocs.EventStream] = new OpenApiMediaType { Schema = schema };
    }
}
