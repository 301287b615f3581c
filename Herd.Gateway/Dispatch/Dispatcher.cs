using Herd.Contracts.V1;
using Herd.Gateway.Links;
using Herd.Gateway.Queue;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Dispatch;

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
        await using var notifications = await queue.SubscribeAsync().ConfigureAwait(false);
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

    private async Task DispatchAsync(string gatewayId)
    {
        foreach (var connection in registry.Connections)
        {
            if (connection.IsDraining || connection.IsClosed)
            {
                continue;
            }

            var models = connection.Hello.Models.Select(model => model.Name).ToList();
            var reserved = 0;
            while (connection.TryReserveSlot())
            {
                reserved++;
            }

            if (reserved == 0)
            {
                continue;
            }

            // One round trip for all of the node's free slots.
            IReadOnlyList<PoppedJob> jobs = [];
            try
            {
                jobs = await queue.PopAsync(models, connection.NodeId, gatewayId, reserved).ConfigureAwait(false);
            }
            finally
            {
                for (var unused = reserved - jobs.Count; unused > 0; unused--)
                {
                    connection.ReleaseSlot();
                }
            }

            foreach (var job in jobs)
            {
                server.Start(connection, job);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dispatch pass failed; retrying")]
    private partial void LogDispatchFailed(Exception exception);
}
