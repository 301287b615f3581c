using Grpc.AspNetCore.Server;
using Herd.Gateway.Configuration;
using Herd.Gateway.Nodes.Catalog;
using Herd.Gateway.Nodes.Demand;
using Herd.Gateway.Nodes.Dispatch;
using Herd.Gateway.Nodes.Links;
using Herd.Gateway.Queue;
using Herd.Gateway.Relay;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Nodes;

/// <summary>
/// Wires the gateway's side of the nodes: their links (<see cref="AddNodeLinks"/>), dispatch of
/// queued jobs to them, the catalog of what the herd serves, and the demand policy.
/// </summary>
public static class NodesExtensions
{
    /// <summary>The largest message a node may send its gateway.</summary>
    public const int MaxNodeMessageBytes = 128 * 1024 * 1024;

    /// <summary>The NodeLink service and the registry of linked nodes; no Redis. Needs the gateway's gRPC server (<c>AddGrpcServer</c>).</summary>
    public static IHostApplicationBuilder AddNodeLinks(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton<NodeRegistry>();
        // An embeddings job's answer is one message with a vector per text (2048 texts of 8192
        // floats is 64 MiB): gRPC's 4 MiB default would break the node's link over it.
        builder.Services.Configure<GrpcServiceOptions<NodeLinkService>>(options => options.MaxReceiveMessageSize = MaxNodeMessageBytes);
        return builder;
    }

    public static WebApplication MapNodeLinks(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<NodeLinkService>();
        return app;
    }

    /// <summary>
    /// Links, dispatch and the catalog. Needs Redis (<see cref="QueueExtensions.AddQueue"/>); the
    /// relay (<see cref="RelayExtensions.AddRelay"/>) stops served jobs through it.
    /// </summary>
    public static IHostApplicationBuilder AddNodes(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddNodeLinks();
        var services = builder.Services;
        services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ServedJobs>();
        services.AddSingleton<ServedJobCancellation>(provider => provider.GetRequiredService<ServedJobs>().CancelAsync);
        services.AddSingleton(provider => new NodeDirectory(
            provider.GetRequiredService<IConnectionMultiplexer>(),
            provider.GetRequiredService<IOptions<QueueOptions>>().Value.KeyPrefix,
            TimeProvider.System));
        services.AddOptions<DemandOptions>()
            .BindConfiguration(DemandOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(provider => new ModelCatalog(
            provider.GetRequiredService<NodeDirectory>(),
            provider.GetRequiredService<NodeRegistry>(),
            provider.GetRequiredService<IOptions<CatalogOptions>>().Value,
            TimeProvider.System)
        {
            // The demand policy gives a node to a model that queued jobs wait for.
            QueuesLoadableModels = provider.GetRequiredService<IOptions<DemandOptions>>().Value.Enabled,
        });
        services.AddSingleton<JobServer>();
        services.AddSingleton<ArrivalDispatcher>();
        services.AddSingleton(provider => new ModelCommandRelay(
            provider.GetRequiredService<NodeRegistry>(),
            provider.GetRequiredService<IConnectionMultiplexer>(),
            provider.GetRequiredService<IOptions<QueueOptions>>().Value.KeyPrefix,
            provider.GetRequiredService<IOptions<GatewayOptions>>().Value.GatewayId,
            provider.GetRequiredService<ILogger<ModelCommandRelay>>()));
        services.AddHostedService(provider => provider.GetRequiredService<ModelCommandRelay>());
        services.AddSingleton<NodeModelCommands>();
        services.AddSingleton(provider => new DemandLeadership(
            provider.GetRequiredService<IConnectionMultiplexer>(),
            provider.GetRequiredService<IOptions<QueueOptions>>().Value.KeyPrefix,
            provider.GetRequiredService<IOptions<GatewayOptions>>().Value.GatewayId));
        services.AddSingleton(provider => new DemandJournal(
            provider.GetRequiredService<IConnectionMultiplexer>(),
            provider.GetRequiredService<IOptions<QueueOptions>>().Value.KeyPrefix));
        services.AddHostedService<DemandSwitcher>();
        services.AddHostedService<LeaseKeeper>();
        services.AddHostedService<Dispatcher>();
        services.AddHostedService<NodeDirectoryPublisher>();
        services.AddHostedService<QueueDepthReader>();
        return builder;
    }
}
