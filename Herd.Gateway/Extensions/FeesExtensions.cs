using Herd.Gateway.Fees;
using Herd.Gateway.Ledger;
using Herd.Gateway.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Extensions;

/// <summary>
/// Wires fees: <see cref="FeeOptions"/> (checked at start), the <see cref="PriceTable"/> and the
/// <see cref="BudgetKeeper"/>. The keeper needs Redis from <see cref="MeshExtensions.AddMesh"/>
/// and the ledger from <see cref="LedgerExtensions.AddLedger"/>; it is built on first use.
/// </summary>
public static class FeesExtensions
{
    public static IHostApplicationBuilder AddFees(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<FeeOptions>().BindConfiguration(FeeOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FeeOptions>, FeeOptionsValidation>());
        services.AddSingleton<PriceTable>();
        services.AddSingleton(provider => new BudgetKeeper(
            provider.GetRequiredService<IConnectionMultiplexer>(),
            provider.GetRequiredService<IOptions<QueueOptions>>().Value.KeyPrefix,
            provider.GetRequiredService<IDbContextFactory<LedgerDbContext>>(),
            provider.GetRequiredService<ILogger<BudgetKeeper>>()));
        return builder;
    }
}
