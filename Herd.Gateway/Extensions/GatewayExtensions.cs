using Herd.Gateway.Links;

namespace Herd.Gateway.Extensions;

/// <summary>Wires the gateway's services and maps its endpoints.</summary>
public static class GatewayExtensions
{
    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddGrpc();
        builder.Services.AddGrpcReflection();
        // The standard grpc.health.v1 service reports the same checks as /health.
        builder.Services.AddGrpcHealthChecks();
        builder.AddNodeLinks();
        builder.AddMesh();
        return builder;
    }

    /// <summary>The NodeLink service and the registry of linked nodes.</summary>
    public static IHostApplicationBuilder AddNodeLinks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<NodeRegistry>();
        return builder;
    }

    public static WebApplication MapGateway(this WebApplication app)
    {
        app.MapGrpcService<NodeLinkService>();
        app.MapMesh();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
