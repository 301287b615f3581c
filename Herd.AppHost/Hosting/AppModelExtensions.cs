using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Herd.AppHost.Hosting;

/// <summary>Declares the herd's resources on the host builder.</summary>
public static class AppModelExtensions
{
    private static readonly string[] RedisLocations = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];

    /// <summary>Adds a project of this repository, named as in the app host's project references.</summary>
    public static ResourceBuilder AddProject(this IHostApplicationBuilder builder, string name, string projectName) =>
        Add(builder, new ProjectResource(name, RecordedProjectPath(projectName)));

    /// <summary>
    /// Adds a private <c>redis-server</c> from the machine, with append-only persistence and its
    /// data under <c>.herd/&lt;name&gt;</c> of the working copy, so a restart keeps the queue.
    /// </summary>
    public static ResourceBuilder AddRedis(this IHostApplicationBuilder builder, string name)
    {
        var executable = RedisLocations.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed: run ./run.sh, which installs it, or apt-get install redis-server.");
        var dataDirectory = StatePath(name);
        var endpoint = new ResourceEndpoint("Tcp", "Tcp");
        var resource = new ProjectResource(name, string.Empty)
        {
            Executable = executable,
            Arguments = () =>
            {
                Directory.CreateDirectory(dataDirectory);
                return ["--port", endpoint.Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dataDirectory, "--appendonly", "yes", "--save", ""];
            },
            ConnectionString = () => $"127.0.0.1:{endpoint.Port}",
        };
        resource.Endpoints.Add(endpoint);
        return Add(builder, resource);
    }

    /// <summary>
    /// Adds a private PostgreSQL server from the machine, listening on loopback only, with its files
    /// under <c>.herd/&lt;name&gt;</c> of the working copy (data initialised on first start, with a
    /// made-up superuser password kept beside it). A referencing project gets
    /// <c>ConnectionStrings__&lt;name&gt;</c> for the database <c>herd</c>.
    /// </summary>
    public static ResourceBuilder AddPostgres(this IHostApplicationBuilder builder, string name)
    {
        var instance = new PostgresInstance(StatePath(name));
        var endpoint = new ResourceEndpoint("Tcp", "Tcp");
        var resource = new ProjectResource(name, string.Empty)
        {
            Executable = instance.Executable,
            Arguments = () => instance.Arguments(endpoint.Port),
            ConnectionString = () => instance.ConnectionString(endpoint.Port),
        };
        resource.Endpoints.Add(endpoint);
        return Add(builder, resource);
    }

    private static ResourceBuilder Add(IHostApplicationBuilder builder, ProjectResource resource)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var model = builder.Services.FirstOrDefault(service => service.ServiceType == typeof(AppModel))?.ImplementationInstance as AppModel;
        if (model is null)
        {
            model = new AppModel();
            builder.Services.AddSingleton(model);
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AppModelRunner>());
        }

        model.Resources.Add(resource);
        return new ResourceBuilder(resource);
    }

    /// <summary>A path under <c>.herd/</c> of the working copy, where the herd keeps what it makes for itself.</summary>
    public static string StatePath(string name) => Path.Combine(WorkingCopyRoot(), ".herd", name);

    /// <summary>The repository the projects were built from (the parent of their folders).</summary>
    private static string WorkingCopyRoot() =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(RecordedProjectPath("Herd.Gateway"))!, ".."));

    private static string RecordedProjectPath(string projectName) =>
        typeof(AppModelExtensions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "HerdProject:" + projectName)?.Value
        ?? throw new ArgumentException($"{projectName} is not a project reference of Herd.AppHost.", nameof(projectName));
}
