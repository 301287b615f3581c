using Herd.Gateway.Links;

namespace Herd.Gateway.Extensions;

/// <summary>Wires the gateway's services and maps its endpoints.</summary>
public static class GatewayExtensions
{
    /// <summary>
    /// The whole gateway: node links, the request path (<see cref="MeshExtensions.AddMesh"/>) and
    /// access control with its ledger (<see cref="AccessExtensions.AddAccess"/>).
    /// </summary>
    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        builder.AddNodeLinks();
        builder.AddMesh();
        builder.AddAccess();
        return builder;
    }

    /// <summary>gRPC, health, reflection, the NodeLink service and the registry of linked nodes; no Redis.</summary>
    public static IHostApplicationBuilder AddNodeLinks(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddGrpc();
        builder.Services.AddGrpcReflection();
        // The standard grpc.health.v1 service reports the same checks as /health.
        builder.Services.AddGrpcHealthChecks();
        builder.Services.AddSingleton<NodeRegistry>();
        return builder;
    }

    public static WebApplication MapGateway(this WebApplication app)
    {
        app.MapNodeLinks();
        app.MapMesh();
        app.MapAccess();
        return app;
    }

    public static WebApplication MapNodeLinks(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<NodeLinkService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
