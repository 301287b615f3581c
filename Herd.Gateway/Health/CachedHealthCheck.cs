using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Herd.Gateway.Health;

/// <summary>
/// A readiness check that probes a dependency at most once per <see cref="CacheFor"/>: probes
/// that arrive meanwhile, from /health, the gRPC health service or the publisher, share the
/// latest probe, so that frequent probing never piles calls onto a dependency that is slow.
/// </summary>
public abstract class CachedHealthCheck(TimeProvider time) : IHealthCheck
{
    /// <summary>How long one probe's answer stands.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    /// <summary>How long a probe may take before the dependency counts as unreachable.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private Task<HealthCheckResult>? _latest;
    private long _startedAt;

    /// <summary>What the dependency is, for the unhealthy result's description.</summary>
    protected abstract string Dependency { get; }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_latest is null || (_latest.IsCompleted && time.GetElapsedTime(_startedAt) >= CacheFor))
            {
                _startedAt = time.GetTimestamp();
                _latest = ProbeAsync();
            }

            return _latest.WaitAsync(cancellationToken);
        }
    }

    /// <summary>One cheap round trip to the dependency; throws when it is unreachable.</summary>
    protected abstract Task PingAsync(CancellationToken cancellationToken);

    /// <summary>Whether an exception from <see cref="PingAsync"/> means the dependency is unreachable (rather than a bug).</summary>
    protected abstract bool IsUnreachable(Exception exception);

    private async Task<HealthCheckResult> ProbeAsync()
    {
        using var timeout = new CancellationTokenSource(ProbeTimeout);
        try
        {
            await PingAsync(timeout.Token).WaitAsync(ProbeTimeout, time, CancellationToken.None).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (TimeoutException exception)
        {
            return HealthCheckResult.Unhealthy($"{Dependency} did not answer within {ProbeTimeout.TotalSeconds:0.#} s.", exception);
        }
        catch (OperationCanceledException exception) when (timeout.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{Dependency} did not answer within {ProbeTimeout.TotalSeconds:0.#} s.", exception);
        }
        catch (Exception exception) when (IsUnreachable(exception))
        {
            return HealthCheckResult.Unhealthy($"{Dependency} is unreachable: {exception.Message}", exception);
        }
    }
}
