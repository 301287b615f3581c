using System.Reflection;
using Herd.Contracts.V1;
using Microsoft.Extensions.Options;

namespace Herd.Node.Link;

/// <summary>
/// Links the node to each of its gateways once its backend is ready (the local model loaded), and drains on shutdown:
/// from the moment the host begins to stop, heartbeats say draining and new jobs are refused;
/// running jobs get <see cref="NodeOptions.DrainTimeout"/> to finish before they are cancelled and
/// the links are closed.
/// </summary>
public sealed partial class NodeLinks(
    INodeBackend backend,
    NodeActivity activity,
    IOptions<NodeOptions> options,
    IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggerFactory,
    ILogger<NodeLinks> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan AbandonGrace = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private readonly List<GatewayLink> _links = [];
    private readonly List<Task> _running = [];
    private CancellationTokenRegistration _onStopping;

    public IReadOnlyList<GatewayLink> Links => _links;

    public int LinkedCount => _links.Count(link => link.IsLinked);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var addresses = GatewayAddresses.Resolve(options.Value, configuration);
        if (addresses.Count == 0)
        {
            LogNoGateways();
            return Task.CompletedTask;
        }

        var secret = configuration["HERD_NODE_SECRET"] is { Length: > 0 } fromEnvironment ? fromEnvironment : options.Value.Secret ?? "";
        if (secret.Length == 0)
        {
            LogNoSecret();
        }

        var hello = Hello(secret);
        _onStopping = lifetime.ApplicationStopping.Register(BeginDrain);
        foreach (var address in addresses)
        {
            var link = new GatewayLink(GatewayAddresses.Parse(address), hello, options.Value, backend, activity, loggerFactory);
            _links.Add(link);
            _running.Add(Task.Run(() => link.RunAsync(_stopping.Token), CancellationToken.None));
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        BeginDrain();
        if (!await WaitForJobsAsync(options.Value.DrainTimeout, cancellationToken))
        {
            LogAbandoning(activity.RunningJobs, options.Value.DrainTimeout.TotalSeconds);
            activity.AbandonJobs();
            await WaitForJobsAsync(AbandonGrace, cancellationToken);
        }

        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_running).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout passed; the process ends anyway.
        }
    }

    public void Dispose()
    {
        _onStopping.Dispose();
        foreach (var link in _links)
        {
            link.Dispose();
        }

        _stopping.Dispose();
    }

    private void BeginDrain()
    {
        if (activity.IsDraining)
        {
            return;
        }

        LogDraining(activity.RunningJobs);
        activity.BeginDrain();
    }

    private async Task<bool> WaitForJobsAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await activity.WaitForIdleAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private NodeHello Hello(string secret)
    {
        var hello = new NodeHello
        {
            NodeId = options.Value.NodeId,
            Group = options.Value.Group,
            Secret = secret,
            Slots = backend.Slots,
            Device = backend.Device,
            Build = typeof(NodeLinks).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        };
        hello.Models.Add(backend.Announcement());
        hello.Catalog.Add(backend.Catalog);
        return hello;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No gateway to link to: set Herd:Node:Gateways (or services:gateway:grpc:0); the node serves nothing until then")]
    private partial void LogNoGateways();

    [LoggerMessage(Level = LogLevel.Warning, Message = "No node secret is set (HERD_NODE_SECRET or Herd:Node:Secret); gateways will refuse this node")]
    private partial void LogNoSecret();

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining: taking no new jobs, finishing {Jobs} running")]
    private partial void LogDraining(int jobs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cancelling {Jobs} jobs still running after the drain timeout of {Seconds:F0} s")]
    private partial void LogAbandoning(int jobs, double seconds);
}
