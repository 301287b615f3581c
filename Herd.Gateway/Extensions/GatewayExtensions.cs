using Herd.Gateway.Links;
using Herd.Gateway.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

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
        builder.AddGatewayTelemetry();
        builder.Services.AddSingleton<RequestMetricsInterceptor>();
        // First, so that it counts the statuses every later interceptor answers with.
        builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<RequestMetricsInterceptor>());
        builder.Services.AddGrpcReflection();
        // The standard grpc.health.v1 service reports the same checks as /health: Check runs
        // them (each caches its probe briefly), Watch follows the publisher, which runs every second.
        builder.Services.AddGrpcHealthChecks();
        builder.Services.Configure<HealthCheckPublisherOptions>(publisher =>
        {
            publisher.Delay = HealthPublishPeriod;
            publisher.Period = HealthPublishPeriod;
        });
        builder.Services.AddSingleton<NodeRegistry>();
        return builder;
    }

    /// <summary>The gateway's meter and activity source (<see cref="GatewayTelemetry"/>); safe to call more than once.</summary>
    public static IHostApplicationBuilder AddGatewayTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<GatewayTelemetry>();
        return builder;
    }

    /// <summary>How often the health checks' results are published to the gRPC health service's watchers.</summary>
    public static readonly TimeSpan HealthPublishPeriod = TimeSpan.FromSeconds(1);

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
