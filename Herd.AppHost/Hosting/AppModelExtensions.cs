using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Herd.AppHost.Hosting;

/// <summary>Declares the herd's resources on the host builder, with the names and shapes of Aspire's hosting API.</summary>
public static class AppModelExtensions
{
    private static readonly string[] RedisLocations = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];

    /// <summary>Adds a project of this repository, named as in the app host's project references.</summary>
    public static ResourceBuilder AddProject(this IHostApplicationBuilder builder, string name, string projectName) =>
        builder.AppModel().Add(new HerdResource(name, ResourceKind.Project) { ProjectPath = RecordedProjectPath(projectName) });

    /// <summary>
    /// Adds a private <c>redis-server</c> from the machine, with append-only persistence and its
    /// data under <c>.herd/&lt;name&gt;</c> of the working copy, so a restart keeps the queue.
    /// </summary>
    public static ResourceBuilder AddRedis(this IHostApplicationBuilder builder, string name)
    {
        var dataDirectory = builder.AppModel().StatePath(name);
        var endpoint = new ResourceEndpoint("Tcp", "Tcp", 6379);
        var resource = new HerdResource(name, ResourceKind.Redis)
        {
            CommandLine = () =>
            {
                var executable = RedisLocations.FirstOrDefault(File.Exists)
                    ?? throw new InvalidOperationException("redis-server is not installed: run ./run.sh, which installs it, or apt-get install redis-server.");
                Directory.CreateDirectory(dataDirectory);
                return (executable, ["--port", endpoint.Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dataDirectory, "--appendonly", "yes", "--save", ""]);
            },
            ConnectionString = () => $"127.0.0.1:{endpoint.Port}",
        };
        resource.Endpoints.Add(endpoint);
        return builder.AppModel().Add(resource);
    }

    /// <summary>
    /// Adds a private PostgreSQL server from the machine, listening on loopback only, with its files
    /// under <c>.herd/&lt;name&gt;</c> of the working copy (data initialised on first start, with a
    /// made-up superuser password kept beside it). Add databases to it with <see cref="ResourceBuilder.AddDatabase"/>.
    /// </summary>
    public static ResourceBuilder AddPostgres(this IHostApplicationBuilder builder, string name)
    {
        // Made on first use, so that publishing needs no PostgreSQL on the machine.
        var folder = builder.AppModel().StatePath(name);
        var instance = new Lazy<PostgresInstance>(() => new PostgresInstance(folder));
        var endpoint = new ResourceEndpoint("Tcp", "Tcp", 5432);
        var resource = new HerdResource(name, ResourceKind.Postgres)
        {
            CommandLine = () => instance.Value.CommandLine(endpoint.Port),
            ConnectionString = () => instance.Value.ConnectionString(endpoint.Port),
            PublishedPassword = ConfiguredOrRandom(builder.Configuration, $"Parameters:{name}-password"),
        };
        resource.Endpoints.Add(endpoint);
        return builder.AppModel().Add(resource);
    }

    /// <summary>
    /// Adds a server that runs elsewhere, known by <c>ConnectionStrings:&lt;name&gt;</c> in the app
    /// host's configuration; referencing projects get that connection string.
    /// </summary>
    public static ResourceBuilder AddConnectionString(this IHostApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        return builder.AppModel().Add(new HerdResource(name, ResourceKind.ConnectionString)
        {
            IsSecret = true,
            ConnectionString = () => configuration.GetConnectionString(name)
                ?? throw new InvalidOperationException($"ConnectionStrings:{name} is not set."),
        });
    }

    /// <summary>
    /// Adds a parameter: its value comes from <c>Parameters:&lt;name&gt;</c> or <paramref name="configurationKey"/>
    /// in the app host's configuration, or, when neither is set, is made up for this run.
    /// </summary>
    public static ResourceBuilder AddParameter(this IHostApplicationBuilder builder, string name, string? configurationKey = null, bool secret = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var value = ConfiguredOrRandom(builder.Configuration, $"Parameters:{name}", configurationKey);
        return builder.AppModel().Add(new HerdResource(name, ResourceKind.Parameter) { IsSecret = secret, Value = value });
    }

    /// <summary>The first of these configuration keys that is set, else a random value; made once, when first asked for.</summary>
    private static Func<string> ConfiguredOrRandom(IConfiguration configuration, params string?[] keys)
    {
        var value = new Lazy<string>(() =>
            keys.Select(key => key is null ? null : configuration[key]).FirstOrDefault(configured => configured is { Length: > 0 })
            ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
        return () => value.Value;
    }

    /// <summary>The app model declared on this builder.</summary>
    public static AppModel AppModel(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.FirstOrDefault(service => service.ServiceType == typeof(AppModel))?.ImplementationInstance is AppModel model)
        {
            return model;
        }

        model = new AppModel(builder.Configuration[StateFolderKey] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(WorkingCopyRoot(), ".herd"));
        builder.Services.AddSingleton(model);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AppModelRunner>());
        return model;
    }

    /// <summary>The configuration key of the folder the herd keeps its data in (<c>--state-folder</c>).</summary>
    public const string StateFolderKey = "Herd:AppHost:StateFolder";

    /// <summary>The repository the projects were built from (the parent of their folders).</summary>
    private static string WorkingCopyRoot() =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(RecordedProjectPath("Herd.Gateway"))!, ".."));

    private static string RecordedProjectPath(string projectName) =>
        typeof(AppModelExtensions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "HerdProject:" + projectName)?.Value
        ?? throw new ArgumentException($"{projectName} is not a project reference of Herd.AppHost.", nameof(projectName));
}
