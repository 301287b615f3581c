using Scalar.AspNetCore;

namespace Herd.Gateway.Api.Http.Explorer;

/// <summary>
/// The explorer page (Scalar's API reference) as Herd serves it: from the gateway alone, with
/// nothing fetched from or sent anywhere else, so that it works on a closed network and a key
/// typed into it reaches only the gateway. Its script comes from the package itself; no proxy is
/// set, so the page's calls go from the browser straight to the server the document names, the
/// gateway that served it.
/// </summary>
public static class ScalarPage
{
    public static void Configure(ScalarOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.WithTitle(HttpDoorInfo.Title)
            .WithOpenApiRoutePattern(ExplorerExtensions.DocumentPath)
            // The key field is the document's bearer scheme. Scalar keeps what is typed there out
            // of local storage unless persistent authentication is turned on, which it is not here.
            .AddPreferredSecuritySchemes(BearerKeys.SchemeName)
            // Scalar's defaults reach out: fonts from its CDN, a telemetry ping, its AI chat and
            // MCP, and developer tools that share the document with its cloud.
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableMcp()
            .HideDeveloperTools();
        options.Agent = new ScalarAgentOptions { Disabled = true };
    }
}
