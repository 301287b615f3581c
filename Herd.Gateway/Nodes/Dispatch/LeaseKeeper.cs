using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Configuration;
using Herd.Gateway.Queue;
using Herd.Gateway.Relay;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Nodes.Dispatch;

/// <summary>
/// Keeps this gateway's claims alive in Redis and collects the claims of gateways that died:
/// it announces that the gateway lives (so jobs owned by a dead gateway are dropped), renews
/// the leases of the jobs its nodes serve, and sweeps leases that ran out anywhere in the herd.
/// </summary>
public sealed partial class LeaseKeeper(
    JobQueue queue,
    ServedJobs served,
    JobRelay relay,
    IOptions<QueueOptions> queueOptions,
    IOptions<GatewayOptions> gatewayOptions,
    ILogger<LeaseKeeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lease = queueOptions.Value.LeaseDuration;
        var period = lease / 3;
        using var timer = new PeriodicTimer(period);
        do
        {
            try
            {
                await queue.RefreshGatewayAsync(gatewayOptions.Value.GatewayId, lease).ConfigureAwait(false);
                if (served.Count > 0)
                {
                    // A lease that is gone was swept by another gateway (this one stalled): the job
                    // is someone else's now, so its node must stop it.
                    foreach (var lost in await queue.RenewLeasesAsync(served.JobIds.ToList()).ConfigureAwait(false))
                    {
                        await served.CancelAsync(new Cancel { JobId = lost, Reason = "its lease expired" }).ConfigureAwait(false);
                    }
                }

                await StopOrphansAsync().ConfigureAwait(false);
                var sweep = await queue.SweepExpiredLeasesAsync(100).ConfigureAwait(false);
                foreach (var failed in sweep.Failed)
                {
                    await relay.ToOwnerAsync(failed.OwnerGatewayId, new RelayEnvelope
                    {
                        JobId = failed.JobId,
                        Failed = new JobFailed
                        {
                            JobId = failed.JobId,
                            StatusCode = (int)StatusCode.Unavailable,
                            Message = $"The gateway serving this job on node {failed.NodeId} went away after tokens had been delivered; retry the request.",
                        },
                    }).ConfigureAwait(false);
                }

                if (sweep.Count > 0)
                {
                    LogSwept(sweep.Requeued.Count, sweep.Failed.Count);
                }
            }
            catch (RedisException exception)
            {
                LogKeepFailed(exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Stops the jobs whose owner gateway died: their clients are gone with it.</summary>
    private async Task StopOrphansAsync()
    {
        foreach (var owner in served.JobsByOwner)
        {
            if (owner.Key == gatewayOptions.Value.GatewayId || await queue.IsGatewayAliveAsync(owner.Key).ConfigureAwait(false))
            {
                continue;
            }

            LogOrphans(owner.Count(), owner.Key);
            foreach (var jobId in owner)
            {
                await served.CancelAsync(new Cancel { JobId = jobId, Reason = $"gateway {owner.Key}, which held its client, went away" }).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping {Jobs} jobs of gateway {Owner}, which went away with their clients")]
    private partial void LogOrphans(int jobs, string owner);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expired leases: {Requeued} jobs re-queued, {Failed} failed")]
    private partial void LogSwept(int requeued, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew leases; retrying")]
    private partial void LogKeepFailed(Exception exception);
}
