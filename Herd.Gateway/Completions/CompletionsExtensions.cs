using Herd.Gateway.Configuration;
using Herd.Gateway.Ledger.Outbox;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Herd.Gateway.Completions;

/// <summary>
/// Wires the request path that every door shares: the <see cref="CompletionRunner"/>, the
/// bookkeeping that runs after each answer, and the usage recorder, which writes to the ledger
/// where access control is on and records nothing otherwise.
/// </summary>
public static class CompletionsExtensions
{
    /// <param name="recordUsage">True where the ledger's usage outbox is wired.</param>
    public static IHostApplicationBuilder AddCompletions(this IHostApplicationBuilder builder, bool recordUsage)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CompletionEnds>();
        services.AddSingleton<CompletionRunner>();
        services.AddOptions<FallbackOptions>()
            .Configure<IConfiguration>((options, configuration) => configuration.GetSection(FallbackOptions.Section).Bind(options.Models))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FallbackOptions>, FallbackOptionsValidation>());
        services.AddSingleton<ModelFallbacks>();
        if (recordUsage)
        {
            services.AddSingleton<IUsageRecorder>(provider => new LedgerUsageRecorder(
                provider.GetRequiredService<UsageOutbox>(),
                provider.GetRequiredService<IOptions<GatewayOptions>>().Value.GatewayId));
        }
        else
        {
            services.AddSingleton<IUsageRecorder, NoUsageRecorder>();
        }

        return builder;
    }
}
