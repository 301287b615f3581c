using Herd.Gateway.Configuration;
using Herd.Gateway.Queue;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Relay;

/// <summary>
/// Wires the relay between gateways: each job's events reach the gateway whose client asked for
/// it, and cancels reach the gateway whose node serves it (through a <see cref="ServedJobCancellation"/>).
/// Needs Redis (<see cref="QueueExtensions.AddQueue"/>).
/// </summary>
public static class RelayExtensions
{
    public static IHostApplicationBuilder AddRelay(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddSingleton<JobMailboxes>();
        services.AddSingleton(provider => new JobRelay(
            provider.GetRequiredService<IConnectionMultiplexer>(),
            provider.GetRequiredService<IOptions<GatewayOptions>>().Value.GatewayId,
            provider.GetRequiredService<IOptions<QueueOptions>>().Value.KeyPrefix,
            provider.GetRequiredService<JobMailboxes>(),
            provider.GetRequiredService<ServedJobCancellation>().Invoke,
            provider.GetRequiredService<ILogger<JobRelay>>()));
        services.AddHostedService(provider => provider.GetRequiredService<JobRelay>());
        return builder;
    }
}
