using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Herd.Node.Link;

/// <summary>Ready when the backend is (the local model loaded) and at least one gateway link is up.</summary>
public sealed class LinkHealthCheck(INodeBackend backend, NodeLinks links) : IHealthCheck
{
    public const string Name = "node-link";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!backend.IsReady)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The model is not loaded yet."));
        }

        var linked = links.LinkedCount;
        return Task.FromResult(linked > 0
            ? HealthCheckResult.Healthy($"{linked} of {links.Links.Count} gateway links up.")
            : HealthCheckResult.Unhealthy($"No gateway link is up ({links.Links.Count} configured)."));
    }
}
