namespace Herd.Gateway.Api.Http;

/// <summary>
/// Marks a route of the HTTP door as one the OpenAPI document describes; routes without it (the
/// dashboard's own JSON, health probes, gRPC) stay out of the document.
/// </summary>
public sealed class DocumentedRoute
{
    public static readonly DocumentedRoute Instance = new();

    private DocumentedRoute()
    {
    }
}
