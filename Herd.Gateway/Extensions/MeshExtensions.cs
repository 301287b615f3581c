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
        RequireRedisConnectionString(builder.Configuration);
        builder.AddRedisClient(
            RedisConnectionName,
            // The gateway's own readiness check (RedisHealthCheck, below) probes at most once a second
            // and answers within ProbeTimeout; Aspire's would PING on every probe and, while the
            // connection is down, wait in the client's backlog. One check, not two, for one Redis.
            settings => settings.DisableHealthChecks = true,
            // Start, and keep retrying, while Redis is away; calls meanwhile answer UNAVAILABLE. Set
            // here so that abortConnect=true in a connection string cannot turn it back on.
            options => options.AbortOnConnectFail = false);
        builder.AddGatewayTelemetry();
        var services = builder.Services;
        services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(options => options.Interceptors.Add<RedisUnavailableInterceptor>());
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

    /// <summary>
    /// Checks <c>ConnectionStrings:redis</c> before Aspire's client reads it: Aspire parses it only
    /// when the connection is first made, and then says neither which setting is wrong nor how to fix it.
    /// </summary>
    private static void RequireRedisConnectionString(IConfiguration configuration)
    {
        var redisConnection = configuration.GetConnectionString(RedisConnectionName);
        if (string.IsNullOrWhiteSpace(redisConnection))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{RedisConnectionName} is not set. The gateway keeps its queue in Redis: set it (for example ConnectionStrings__{RedisConnectionName}=localhost:6379), or start the herd with Herd.AppHost, which does.");
        }

        ConfigurationOptions parsed;
        try
        {
            parsed = ConfigurationOptions.Parse(redisConnection);
        }
        catch (ArgumentException exception)
        {
            throw NotAConnectionString(exception.Message, exception);
        }

        if (parsed.EndPoints.Count == 0)
        {
            throw NotAConnectionString("it names no host:port", null);
        }
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
