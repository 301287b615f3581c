namespace Herd.Gateway.Experts;

/// <summary>Wires the herd's expert registry (with the ledger): its store and its distribution to the nodes.</summary>
public static class ExpertsExtensions
{
    public static IHostApplicationBuilder AddExpertRegistry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ExpertStore>();
        builder.Services.AddSingleton<ExpertDistribution>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<ExpertDistribution>());
        return builder;
    }
}
