using Herd.Gateway.Ledger.Outbox;
using Herd.Gateway.Queue;
using Herd.Gateway.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Extensions;

/// <summary>Wires the way usage records reach the ledger: the outbox in Redis, the writer that empties it, the sweeper of abandoned requests.</summary>
public static class UsageOutboxExtensions
{
    /// <summary>Needs <see cref="MeshExtensions.AddMesh"/> (Redis) and <see cref="LedgerExtensions.AddLedger"/> first.</summary>
    public static IHostApplicationBuilder AddUsageOutbox(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddGatewayTelemetry();
        var services = builder.Services;
        services.AddSingleton(provider => new UsageOutbox(
            provider.GetRequiredService<IConnectionMultiplexer>(),
            provider.GetRequiredService<IOptions<QueueOptions>>().Value.KeyPrefix,
            provider.GetRequiredService<ILogger<UsageOutbox>>()));
        services.AddHostedService<LedgerWriter>();
        services.AddSingleton<AbandonedRequestSweeper>();
        services.AddHostedService(provider => provider.GetRequiredService<AbandonedRequestSweeper>());
        services.AddHostedService<OutboxLagReader>();
        return builder;
    }
}
