using Microsoft.Extensions.Hosting;

namespace Herd.AppHost.Lifecycle;

/// <summary>What the herd adds to Aspire's own handling of its processes.</summary>
public static class LifecycleExtensions
{
    /// <summary>
    /// Run here: ordered, graceful shutdown (nodes drain before the gateways stop, the gateways
    /// before Redis and PostgreSQL), restarts after crashes, and the banner with the dashboard, the
    /// admin key and a command to try (unless <paramref name="banner"/> is false). Published: an
    /// exit code that says whether publishing worked.
    /// </summary>
    public static IDistributedApplicationBuilder AddHerdLifecycle(this IDistributedApplicationBuilder builder, bool banner = true)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.ExecutionContext.IsRunMode)
        {
            PublishExitCode.Track(builder);
            return builder;
        }

        // Room for every stage of the ordered shutdown: nodes drain for up to 30 s.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromMinutes(3));
        builder.Services.AddSingleton<ResourceInstances>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ResourceInstances>());
        builder.Services.AddHostedService<OrderedShutdown>();
        builder.Services.AddHostedService<CrashRestarter>();
        if (!banner)
        {
            return builder;
        }

        // The app host's project folder sits in the working copy's root.
        var repositoryRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        builder.Services.AddHostedService(services => ActivatorUtilities.CreateInstance<TryItBanner>(services, repositoryRoot));
        return builder;
    }
}
