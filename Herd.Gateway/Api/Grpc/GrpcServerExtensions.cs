using Grpc.AspNetCore.Server.Model;
using Herd.Gateway.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Herd.Gateway.Api.Grpc;

/// <summary>
/// Wires the gateway's gRPC server, whatever services it maps: the interceptors every call goes
/// through, the standard health service and reflection.
/// </summary>
public static class GrpcServerExtensions
{
    /// <summary>How often the health checks' results are published to the gRPC health service's watchers.</summary>
    public static readonly TimeSpan HealthPublishPeriod = TimeSpan.FromSeconds(1);

    public static IHostApplicationBuilder AddGrpcServer(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddGatewayTelemetry();
        var services = builder.Services;
        services.TryAddSingleton<RequestMetricsInterceptor>();
        services.TryAddSingleton<FailureStatusInterceptor>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<UnparsableRequests>();
        services.AddGrpc(grpc =>
        {
            // First, so that it counts the statuses every later interceptor answers with.
            grpc.Interceptors.Add<RequestMetricsInterceptor>();
            grpc.Interceptors.Add<FailureStatusInterceptor>();
        });
        services.AddGrpcReflection();
        // The standard grpc.health.v1 service reports the same checks as /health: Check runs
        // them (each caches its probe briefly), Watch follows the publisher, which runs every second.
        services.AddGrpcHealthChecks();
        services.Configure<HealthCheckPublisherOptions>(publisher =>
        {
            publisher.Delay = HealthPublishPeriod;
            publisher.Period = HealthPublishPeriod;
        });
        // gRPC's own provider binds each method with a marshaller that fails an unparsable body as
        // UNKNOWN; this one binds the same methods with a guarded one. Last, since AddGrpc() adds
        // gRPC's back: nothing after this calls it.
        services.RemoveAll(typeof(IServiceMethodProvider<>));
        services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(GuardedServiceMethodProvider<>)));
        return builder;
    }

    public static WebApplication MapGrpcServer(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
