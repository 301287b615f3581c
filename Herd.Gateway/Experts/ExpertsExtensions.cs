using Herd.Gateway.Nodes.Links;
using Herd.Gateway.Queue;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Experts;

/// <summary>Wires the herd's expert registry (with the ledger): its store and its distribution to the nodes.</summary>
public static class ExpertsExtensions
{
    public static IHostApplicationBuilder AddExpertRegistry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ExpertStore>();
        builder.Services.AddSingleton(provider => new ExpertDistribution(
            provider.GetRequiredService<NodeRegistry>(),
            provider.GetRequiredService<ExpertStore>(),
            provider.GetRequiredService<IConnectionMultiplexer>(),
            provider.GetRequiredService<IOptions<QueueOptions>>().Value.KeyPrefix,
            provider.GetRequiredService<ILogger<ExpertDistribution>>()));
        builder.Services.AddHostedService(provider => provider.GetRequiredService<ExpertDistribution>());
        return builder;
    }
}
