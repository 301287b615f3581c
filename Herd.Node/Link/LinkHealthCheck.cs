using Herd.Node.Serving;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Herd.Node.Link;

/// <summary>Ready when the model is loaded and at least one gateway link is up.</summary>
public sealed class LinkHealthCheck(ModelHost host, NodeLinks links) : IHealthCheck
{
    public const string Name = "node-link";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!host.IsLoaded)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The model is not loaded yet."));
        }

        var linked = links.LinkedCount;
        return Task.FromResult(linked > 0
            ? HealthCheckResult.Healthy($"{linked} of {links.Links.Count} gateway links up.")
            : HealthCheckResult.Unhealthy($"No gateway link is up ({links.Links.Count} configured)."));
    }
}
