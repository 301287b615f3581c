using System.Net;
using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Herd.Cli.Bench;

/// <summary>
/// The herd a benchmark measures: Herd.AppHost's own app model (one gateway, one node, Redis and
/// PostgreSQL) started through Aspire.Hosting.Testing under DCP, with a state folder of its own
/// that goes when the herd does. Each benchmark changes the resources before the herd starts;
/// every gateway and node then listens on its own ports, without DCP's proxy in front, so that
/// clients and nodes reach the processes themselves.
/// </summary>
internal sealed class BenchHerd : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private static readonly TimeSpan StopTimeout = TimeSpan.FromMinutes(2);

    private readonly DistributedApplication _app;

    private BenchHerd(DistributedApplication app, string folder)
    {
        _app = app;
        Folder = folder;
    }

    /// <summary>The benchmark's own folder: the herd's state, and whatever files the benchmark gives it.</summary>
    public string Folder { get; }

    /// <summary>
    /// Builds the herd of the app model, lets <paramref name="configure"/> change it (given the
    /// builder and <see cref="Folder"/>), and starts it; returns once the gateways and the node are healthy.
    /// </summary>
    public static async Task<BenchHerd> StartAsync(Action<IDistributedApplicationTestingBuilder, string> configure, CancellationToken cancellationToken)
    {
        // Not a private temporary folder (mode 0700): PostgreSQL may run as a user of its own and must reach its data inside.
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"herd-bench-{Guid.NewGuid():N}")).FullName;
        DistributedApplication app;
        try
        {
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Herd_AppHost>(
            [
                $"--Herd:StateFolder={Path.Combine(folder, "state")}", "--Herd:Nodes=1", "--Herd:Gateways=1",
                // The benchmark's tables are its output: no banner, and the app host's warnings on standard error,
                // less what every start writes there: PostgreSQL's own log, and health checks failing until each process listens.
                "--Herd:Banner=false", "--Logging:LogLevel:Default=Warning", "--Logging:Console:LogToStandardErrorThreshold=Trace",
                "--Logging:LogLevel:Herd.AppHost.Resources.postgres=None", "--Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks=None",
            ], cancellationToken);
            configure(builder, folder);
            foreach (var project in builder.Resources.OfType<ProjectResource>())
            {
                Measured(builder.CreateResourceBuilder(project));
            }

            app = await builder.BuildAsync(cancellationToken);
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }

        var herd = new BenchHerd(app, folder);
        var waitingFor = "not every resource started";
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartTimeout);
            await app.StartAsync(timeout.Token);
            var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
            foreach (var project in app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ProjectResource>())
            {
                waitingFor = $"{project.Name} was not healthy";
                await notifications.WaitForResourceHealthyAsync(project.Name, timeout.Token);
            }

            return herd;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await herd.DisposeAsync();
            throw new TimeoutException($"The herd was not up within {StartTimeout.TotalMinutes:0} minutes: {waitingFor}.");
        }
        catch
        {
            await herd.DisposeAsync();
            throw;
        }
    }

    /// <summary>The gRPC endpoint of a gateway resource (the process itself).</summary>
    public Uri GrpcEndpoint(string gateway) => _app.GetEndpoint(gateway, "grpc");

    /// <summary>The HTTP endpoint of a gateway (HTTP/1.1: the OpenAI-compatible API) or a node (its health checks), the process itself.</summary>
    public Uri HttpEndpoint(string resource) => _app.GetEndpoint(resource, "http");

    /// <summary>The project resource of the app model with that name.</summary>
    public static IResourceBuilder<ProjectResource> Project(IDistributedApplicationTestingBuilder builder, string name) =>
        builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(resource => resource.Name == name));

    /// <summary>
    /// What every benchmarked process gets: no telemetry export (there is no dashboard to take it,
    /// and exporting would weigh on what is measured), logs at warnings only (a line per request
    /// would too), and ports of its own in place of DCP's proxy.
    /// </summary>
    private static void Measured(IResourceBuilder<ProjectResource> project)
    {
        foreach (var exporter in project.Resource.Annotations.OfType<OtlpExporterAnnotation>().ToList())
        {
            project.Resource.Annotations.Remove(exporter);
        }

        project.WithEnvironment("Logging__LogLevel__Default", "Warning");
        foreach (var endpoint in project.Resource.Annotations.OfType<EndpointAnnotation>())
        {
            // DCP asks a proxy-less endpoint for its port (Port and TargetPort the same); one replica only.
            var port = FreePort();
            endpoint.IsProxied = false;
            endpoint.Port = port;
            endpoint.TargetPort = port;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(StopTimeout);
            await _app.StopAsync(timeout.Token);
            await _app.DisposeAsync();
        }
        finally
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}
