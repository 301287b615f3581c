using Herd.Gateway.Access;
using Herd.Gateway.Catalog;
using Herd.Gateway.Completions;
using Herd.Gateway.Dispatch;
using Herd.Gateway.Fees;
using Herd.Gateway.Health;
using Herd.Gateway.Limits;
using Herd.Gateway.Links;
using Herd.Gateway.Queue;
using Herd.Gateway.Relay;
using Herd.Gateway.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Extensions;

/// <summary>Wires the request path: Redis, the queue, dispatch to linked nodes, the relay and the client API.</summary>
public static class MeshExtensions
{
    /// <summary>The Aspire-convention connection string name of the herd's Redis.</summary>
    public const string RedisConnectionName = "redis";

    public static IHostApplicationBuilder AddMesh(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var redisConnection = builder.Configuration.GetConnectionString(RedisConnectionName);
        if (string.IsNullOrWhiteSpace(redisConnection))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{RedisConnectionName} is not set. The gateway keeps its queue in Redis: set it (for example ConnectionStrings__{RedisConnectionName}=localhost:6379), or start the herd with Herd.AppHost, which does.");
        }

        ConfigurationOptions redisOptions;
        try
        {
            redisOptions = ConfigurationOptions.Parse(redisConnection);
        }
        catch (ArgumentException exception)
        {
            throw NotAConnectionString(exception.Message, exception);
        }

        if (redisOptions.EndPoints.Count == 0)
        {
            throw NotAConnectionString("it names no host:port", null);
        }

        builder.AddGatewayTelemetry();
        var services = builder.Services;
        services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(options => options.Interceptors.Add<RedisUnavailableInterceptor>());
        // Start, and keep retrying, while Redis is away; calls meanwhile answer UNAVAILABLE.
        redisOptions.AbortOnConnectFail = false;
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redisOptions));
        services.AddOptions<QueueOptions>().BindConfiguration(QueueOptions.Section);
        services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section);
        services.AddSingleton<JobQueue>();
        services.AddSingleton<JobMailboxes>();
        services.AddSingleton<ServedJobs>();
        services.AddSingleton(provider => new JobRelay(
            provider.GetRequiredService<IConnectionMultiplexer>(),
            provider.GetRequiredService<IOptions<GatewayOptions>>().Value.GatewayId,
            provider.GetRequiredService<IOptions<QueueOptions>>().Value.KeyPrefix,
            provider.GetRequiredService<JobMailboxes>(),
            provider.GetRequiredService<ServedJobs>().CancelAsync,
            provider.GetRequiredService<ILogger<JobRelay>>()));
        services.AddHostedService(provider => provider.GetRequiredService<JobRelay>());
        services.AddSingleton(provider => new NodeDirectory(
            provider.GetRequiredService<IConnectionMultiplexer>(),
            provider.GetRequiredService<IOptions<QueueOptions>>().Value.KeyPrefix,
            TimeProvider.System));
        services.AddSingleton(provider => new ModelCatalog(
            provider.GetRequiredService<NodeDirectory>(),
            provider.GetRequiredService<NodeRegistry>(),
            provider.GetRequiredService<IOptions<CatalogOptions>>().Value,
            TimeProvider.System));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CompletionEnds>();
        services.AddSingleton<CompletionRunner>();
        services.AddSingleton<ChatConversation.Factory>(provider =>
            (caller, requests, responses) => new ChatConversation(provider.GetRequiredService<CompletionRunner>(), caller, requests, responses));
        services.AddSingleton(provider => new UsageLimiter(
            provider.GetRequiredService<IConnectionMultiplexer>(),
            provider.GetRequiredService<IOptions<QueueOptions>>().Value.KeyPrefix));
        services.AddSingleton(provider => new CompletionAdmission(
            provider.GetRequiredService<UsageLimiter>(),
            provider.GetRequiredService<IOptions<QueueOptions>>().Value.KeyPrefix,
            provider.GetService<PriceTable>(),
            provider.GetService<BudgetKeeper>(),
            provider.GetRequiredService<GatewayTelemetry>()));
        services.AddSingleton<JobServer>();
        services.AddHostedService<LeaseKeeper>();
        services.AddHostedService<Dispatcher>();
        services.AddHostedService<NodeDirectoryPublisher>();
        services.AddHostedService<QueueDepthReader>();
        services.AddHealthChecks().AddCheck<RedisHealthCheck>(RedisHealthCheck.Name);
        return builder;
    }

    private static InvalidOperationException NotAConnectionString(string problem, Exception? inner) =>
        new($"ConnectionStrings:{RedisConnectionName} is not a Redis connection string ({problem}). Use host:port, for example localhost:6379.", inner);

    public static WebApplication MapMesh(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<CompletionsService>();
        app.MapGrpcService<CatalogService>();
        return app;
    }
}
