using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Scalar.AspNetCore;

namespace Herd.Gateway.Api.Http.Explorer;

/// <summary>
/// Wires the HTTP door's OpenAPI document (<see cref="DocumentPath"/>) and the explorer page that
/// reads it (<see cref="PagePath"/>), where a person enters a key and calls the API from the browser.
/// Both are served without a key unless <see cref="ExplorerOptions.Enabled"/> turns them off.
/// </summary>
public static class ExplorerExtensions
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string PagePath = "/explorer";

    /// <summary>Whether the configuration serves the document and the explorer (it does unless set to false).</summary>
    public static bool IsExplorerEnabled(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(ExplorerOptions.Section).Get<ExplorerOptions>()?.Enabled ?? true;
    }

    public static IHostApplicationBuilder AddExplorer(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ExplorerOptions>().BindConfiguration(ExplorerOptions.Section);
        if (!IsExplorerEnabled(builder.Configuration))
        {
            return builder;
        }

        builder.Services.AddOpenApi(DocumentName, options =>
        {
            options.ShouldInclude = IsDocumented;
            options.AddOperationTransformer<EventStreams>();
            options.AddDocumentTransformer<HttpJsonNames>();
            options.AddDocumentTransformer<BearerKeys>();
            options.AddDocumentTransformer<HttpDoorInfo>();
        });
        return builder;
    }

    public static WebApplication MapExplorer(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!IsExplorerEnabled(app.Configuration))
        {
            return app;
        }

        app.MapOpenApi(DocumentPath);
        app.MapScalarApiReference(PagePath, ScalarPage.Configure);
        return app;
    }

    private static bool IsDocumented(ApiDescription description) =>
        description.ActionDescriptor.EndpointMetadata.OfType<DocumentedRoute>().Any();
}
