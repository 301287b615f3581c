using Herd.Gateway.Admission.Fees;
using Herd.Gateway.Admission.Limits;
using Herd.Gateway.Ledger;
using Herd.Gateway.Queue;
using Herd.Gateway.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Admission;

/// <summary>
/// Wires the admission of completions: <see cref="KeyedAdmission"/> with the key's limits and its
/// budget where access control is on, <see cref="OpenAdmission"/> where it is off.
/// </summary>
public static class AdmissionExtensions
{
    /// <param name="keyed">True where access control is on; needs Redis and the ledger then.</param>
    public static IHostApplicationBuilder AddAdmission(this IHostApplicationBuilder builder, bool keyed)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!keyed)
        {
            builder.Services.AddSingleton<ICompletionAdmission, OpenAdmission>();
            return builder;
        }

        builder.AddGatewayTelemetry();
        builder.AddFees();
        var services = builder.Services;
        services.AddSingleton(provider => new UsageLimiter(
            provider.GetRequiredService<IConnectionMultiplexer>(),
            provider.GetRequiredService<IOptions<QueueOptions>>().Value.KeyPrefix));
        services.AddSingleton<ICompletionAdmission>(provider => new KeyedAdmission(
            provider.GetRequiredService<UsageLimiter>(),
            provider.GetRequiredService<IOptions<QueueOptions>>().Value.KeyPrefix,
            provider.GetRequiredService<PriceTable>(),
            provider.GetRequiredService<BudgetKeeper>(),
            provider.GetRequiredService<GatewayTelemetry>()));
        return builder;
    }

    /// <summary>
    /// Fees: <see cref="FeeOptions"/> (checked at start), the <see cref="PriceTable"/> and the
    /// <see cref="BudgetKeeper"/>, which needs Redis and the ledger and is built on first use.
    /// </summary>
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
