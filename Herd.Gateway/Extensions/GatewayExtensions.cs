namespace Herd.Gateway.Extensions;

/// <summary>Wires the gateway's services and maps its endpoints.</summary>
public static class GatewayExtensions
{
    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        builder.Services.AddGrpc();
        builder.Services.AddGrpcReflection();
        // The standard grpc.health.v1 service reports the same checks as /health.
        builder.Services.AddGrpcHealthChecks();
        return builder;
    }

    public static WebApplication MapGateway(this WebApplication app)
    {
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
