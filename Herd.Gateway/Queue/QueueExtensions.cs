using StackExchange.Redis;

namespace Herd.Gateway.Queue;

/// <summary>Wires the herd's Redis and the job queue kept in it, with Redis's readiness check.</summary>
public static class QueueExtensions
{
    /// <summary>The Aspire-convention connection string name of the herd's Redis.</summary>
    public const string RedisConnectionName = "redis";

    public static IHostApplicationBuilder AddQueue(this IHostApplicationBuilder builder)
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
        var services = builder.Services;
        services.AddOptions<QueueOptions>().BindConfiguration(QueueOptions.Section);
        services.AddSingleton<JobQueue>();
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
}
