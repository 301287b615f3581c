using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Herd.Gateway.Api.Http.Explorer;

/// <summary>
/// Declares how the HTTP door takes a key, <c>Authorization: Bearer &lt;key&gt;</c>, and puts it on
/// every route of the document, so a client generator or the explorer sends it.
/// </summary>
public sealed class BearerKeys : IOpenApiDocumentTransformer
{
    /// <summary>The name of the security scheme in the document.</summary>
    public const string SchemeName = "Bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key of the herd (`create-key`, `herd.v1.Keys`), sent as `Authorization: Bearer <key>`; `x-api-key: <key>` works too. With access control off no key is needed.",
        };
        var requirement = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, document)] = [] };
        foreach (var path in document.Paths.Values)
        {
            foreach (var operation in path.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
            {
                operation.Security = [requirement];
            }
        }

        return Task.CompletedTask;
    }
}
