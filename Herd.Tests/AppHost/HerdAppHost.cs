using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Herd.Contracts.V1;
using Herd.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace Herd.Tests.AppHost;

/// <summary>
/// The herd as Herd.AppHost declares it, started by Aspire.Hosting.Testing under DCP on random
/// ports, with its state in <see cref="AppHostState"/>; the resources' logs are kept for assertions.
/// </summary>
internal sealed class HerdAppHost : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly AppHostState _state;

    private HerdAppHost(DistributedApplication app, AppHostState state)
    {
        App = app;
        _state = state;
    }

    public DistributedApplication App { get; }

    /// <summary>The gateway's gRPC endpoint (DCP's proxy in front of its replicas).</summary>
    public Uri GatewayGrpc => App.GetEndpoint("gateway", "grpc");

    public ResourceNotificationService Notifications => App.Services.GetRequiredService<ResourceNotificationService>();

    /// <summary>Builds the herd with <paramref name="arguments"/> (<c>--Herd:Nodes=2</c>), lets the test change the model, and starts it.</summary>
    public static async Task<HerdAppHost> StartAsync(AppHostState state, IEnumerable<string> arguments, Action<IDistributedApplicationTestingBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Herd_AppHost>([$"--Herd:StateFolder={state.Folder}", .. arguments]);
        foreach (var node in builder.Resources.OfType<ProjectResource>().Where(resource => resource.Name == "node"))
        {
            // The node generates herd-tiny into a cache of the test's own.
            builder.CreateResourceBuilder(node).WithEnvironment("HERD_MODEL_CACHE", state.ModelCache);
        }

        configure?.Invoke(builder);
        var app = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await app.StartAsync(timeout.Token);
        return new HerdAppHost(app, state);
    }

    /// <summary>Waits until every instance of the resource passes its health checks.</summary>
    public async Task WaitForHealthyAsync(string resource)
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        await Notifications.WaitForResourceHealthyAsync(resource, timeout.Token);
    }

    /// <summary>Waits until <paramref name="count"/> nodes are linked to the gateway, and lists them.</summary>
    public Task<IReadOnlyList<NodeSummary>> WaitForNodesAsync(int count) => WaitForNodesAsync(nodes => nodes.Count >= count);

    /// <summary>Waits until the gateway's list of nodes meets <paramref name="condition"/>, and returns it (also when it never does).</summary>
    public async Task<IReadOnlyList<NodeSummary>> WaitForNodesAsync(Func<IReadOnlyList<NodeSummary>, bool> condition)
    {
        var key = await _state.AdminKeyAsync(StartTimeout);
        using var channel = GrpcChannel.ForAddress(GatewayGrpc);
        var catalog = new Catalog.CatalogClient(channel);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            var nodes = await catalog.ListNodesAsync(new ListNodesRequest(), Authorization(key));
            if (condition(nodes.Nodes) || DateTime.UtcNow > deadline)
            {
                return nodes.Nodes;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The instances of the resource that run now (one per replica).</summary>
    public async Task<IReadOnlyList<ResourceEvent>> RunningAsync(string resource, int count)
    {
        var running = new Dictionary<string, ResourceEvent>();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await foreach (var update in Notifications.WatchAsync(timeout.Token))
        {
            if (update.Resource.Name != resource)
            {
                continue;
            }

            if (update.Snapshot.State?.Text == KnownResourceStates.Running && ProcessId(update) is not null)
            {
                running[update.ResourceId] = update;
            }
            else
            {
                running.Remove(update.ResourceId);
            }

            if (running.Count == count)
            {
                return [.. running.Values];
            }
        }

        throw new TimeoutException($"{count} instances of {resource} did not run within {StartTimeout}.");
    }

    /// <summary>The process DCP started for an instance (for a project, its <c>dotnet run</c>).</summary>
    public static int? ProcessId(ResourceEvent instance) =>
        instance.Snapshot.Properties.FirstOrDefault(property => property.Name == "executable.pid")?.Value is { } value
        && int.TryParse(value.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var processId)
            ? processId
            : null;

    public static Metadata Authorization(string key) => new() { { "authorization", "Bearer " + key } };

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
    }
}
