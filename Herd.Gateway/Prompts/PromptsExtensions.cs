using Herd.Gateway.Completions;
using Herd.Gateway.Prompts.Calls;
using Herd.Gateway.Prompts.Repository;
using Herd.Gateway.Prompts.SeedFile;

namespace Herd.Gateway.Prompts;

/// <summary>
/// Wires prompt calls and, with the ledger (access control on), the prompt repository, its seed
/// file and chains. Without the ledger a prompt call is refused: there is no repository to look in.
/// </summary>
public static class PromptsExtensions
{
    public static IHostApplicationBuilder AddPrompts(this IHostApplicationBuilder builder, bool repository)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddSingleton<PromptExpansion>();
        services.AddSingleton(provider => new PromptedCompletions(
            provider.GetRequiredService<CompletionRunner>(),
            provider.GetService<CallablePrompts>(),
            provider.GetRequiredService<PromptExpansion>(),
            provider.GetService<ChainRunner>()));
        if (!repository)
        {
            return builder;
        }

        services.AddOptions<PromptsOptions>().BindConfiguration(PromptsOptions.Section);
        services.AddSingleton<PromptRepository>();
        services.AddSingleton<CallablePrompts>();
        services.AddSingleton<ChainRunner>();
        services.AddHostedService<PromptSeeder>();
        return builder;
    }
}
