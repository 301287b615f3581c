using Microsoft.Extensions.DependencyInjection;

namespace Herd.AppHost.Resources;

/// <summary>Adds the herd's Redis: this machine's <c>redis-server</c> when it runs here, Aspire's Redis container when published.</summary>
public static class RedisServerExtensions
{
    private static readonly string[] RedisLocations = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];

    /// <summary>
    /// Adds Redis under <paramref name="name"/>: run here, a private <c>redis-server</c> on loopback
    /// with its append-only file in the state folder (<c>.herd/redis</c>) and a password made up per
    /// run; published, Aspire's standard Redis container with its password parameter
    /// (<c>&lt;name&gt;-password</c>) and an append-only file on the volume <c>&lt;name&gt;-data</c>.
    /// Either way referencing projects get <c>ConnectionStrings__&lt;name&gt;</c>, and <c>WaitFor</c>
    /// waits until Redis answers PING.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRedisServer(this IDistributedApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.ExecutionContext.IsPublishMode)
        {
            return builder.AddRedis(name).WithDataVolume($"{name}-data").WithArgs(AppendOnly);
        }

        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var redis = new RedisServerResource(name, builder.StateFolder().Path(name), password);
        // Known once DCP has given Redis its port, before it starts; the health check asks for it later.
        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(redis, async (_, cancellationToken) =>
            connectionString = await redis.ConnectionStringExpression.GetValueAsync(cancellationToken));
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(
            _ => connectionString ?? throw new InvalidOperationException($"{name}'s connection string is not known yet."),
            name: healthCheck);
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(redis, async (_, cancellationToken) =>
        {
            Directory.CreateDirectory(redis.DataFolder);
            await WritePasswordFileAsync(redis, cancellationToken);
        });

        return builder.AddResource(redis)
            .WithCommand(RedisLocations.FirstOrDefault(File.Exists) ?? throw new InvalidOperationException(
                "redis-server is not installed: ./run.sh installs it (apt-get install redis-server), or set ConnectionStrings__redis to a Redis that runs elsewhere."))
            .WithEndpoint(name: RedisServerResource.PrimaryEndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                // First, as redis-server wants its configuration file: the password stays out of the command line.
                context.Args.Add(redis.PasswordFile);
                context.Args.Add("--port");
                context.Args.Add(redis.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("--bind");
                context.Args.Add("127.0.0.1");
                context.Args.Add("--dir");
                context.Args.Add(redis.DataFolder);
                context.Args.Add("--appendonly");
                context.Args.Add("yes");
                // The append-only file is the persistence; no snapshots besides it.
                context.Args.Add("--save");
                context.Args.Add(string.Empty);
            })
            .WithHealthCheck(healthCheck);
    }

    /// <summary>
    /// Writes the password Redis requires into a configuration file only the app host's user may
    /// read, rather than onto the command line, where <c>ps</c> and the dashboard would show it.
    /// </summary>
    private static async Task WritePasswordFileAsync(RedisServerResource redis, CancellationToken cancellationToken)
    {
        var password = await redis.PasswordParameter.GetValueAsync(cancellationToken);
        await File.WriteAllTextAsync(redis.PasswordFile, string.Empty, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(redis.PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await File.WriteAllTextAsync(redis.PasswordFile, $"requirepass \"{password}\"\n", cancellationToken);
    }

    /// <summary>
    /// The queue outlives a restart of the Redis container as it does here: an append-only file
    /// beside Aspire's snapshots. Published, Aspire runs Redis as <c>/bin/sh -c "redis-server …"</c>,
    /// so the switch joins that command line.
    /// </summary>
    private static void AppendOnly(CommandLineArgsCallbackContext context)
    {
        var index = context.Args.Count - 1;
        if (index < 0 || context.Args[index] is not string command || !command.StartsWith("redis-server", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Aspire's Redis container no longer starts as /bin/sh -c \"redis-server …\"; Herd cannot add --appendonly to it.");
        }

        context.Args[index] = command + " --appendonly yes";
    }
}
