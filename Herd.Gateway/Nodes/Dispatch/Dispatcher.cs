using Herd.Contracts.V1;
using Herd.Gateway.Configuration;
using Herd.Gateway.Nodes.Links;
using Herd.Gateway.Queue;
using Herd.Gateway.Resilience;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Nodes.Dispatch;

/// <summary>
/// Gives queued jobs to the nodes linked to this gateway. Whenever a node may have a free slot
/// or a job arrives for a model (on any gateway), each node with free slots pops the best job it
/// can serve; a slow poll covers anything a notification missed.
/// </summary>
public sealed partial class Dispatcher(
    NodeRegistry registry,
    JobQueue queue,
    JobServer server,
    IOptions<GatewayOptions> gatewayOptions,
    ILogger<Dispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var notifications = await SubscribeAsync(stoppingToken).ConfigureAwait(false);
        var gatewayId = gatewayOptions.Value.GatewayId;
        while (!stoppingToken.IsCancellationRequested)
        {
            var capacityChanged = registry.WaitForCapacityChangeAsync(stoppingToken);
            try
            {
                await DispatchAsync(gatewayId).ConfigureAwait(false);
            }
            catch (RedisException exception)
            {
                LogDispatchFailed(exception);
            }

            var jobArrived = notifications.Models.WaitToReadAsync(stoppingToken).AsTask();
            await Task.WhenAny(capacityChanged, jobArrived, Task.Delay(Poll, stoppingToken)).ConfigureAwait(false);
            while (notifications.Models.TryRead(out _))
            {
                // One pass serves every model that got work.
            }
        }
    }

    /// <summary>Subscribes to the queue's notifications, waiting out a Redis that is not there yet.</summary>
    private async Task<QueueNotifications> SubscribeAsync(CancellationToken stoppingToken)
    {
        var untilReachable = UntilReachable.Retry(Poll, failure => failure is RedisException, (failure, _, _) => LogDispatchFailed(failure));
        return await untilReachable.ExecuteAsync(async _ => await queue.SubscribeAsync().ConfigureAwait(false), stoppingToken).ConfigureAwait(false);
    }

    private async Task DispatchAsync(string gatewayId)
    {
        foreach (var connection in registry.Connections)
        {
            if (connection.IsDraining || connection.IsClosed)
            {
                continue;
            }

            // Slots are reserved only for jobs actually popped: a reservation given back would
            // signal a capacity change and wake this loop again, for nothing.
            var free = connection.FreeSlots;
            if (free == 0)
            {
                continue;
            }

            var models = connection.Models.Select(model => model.Name).ToList();
            // One round trip for all of the node's free slots; Redis counts the jobs other
            // gateways gave the node, so it never holds more than its slots.
            foreach (var job in await queue.PopAsync(models, connection.NodeId, gatewayId, free, connection.Group, connection.Slots).ConfigureAwait(false))
            {
                if (connection.TryReserveSlot())
                {
                    server.Start(connection, job);
                }
                else if (!await queue.RequeueAsync(job.JobId, connection.NodeId).ConfigureAwait(false))
                {
                    LogLostToARace(job.JobId, connection.NodeId);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} could not go back to the queue after node {NodeId} stopped taking work; its lease will expire and re-queue it")]
    private partial void LogLostToARace(string jobId, string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dispatch pass failed; retrying")]
    private partial void LogDispatchFailed(Exception exception);
}
