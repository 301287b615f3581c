using Herd.Gateway.Access.Roles;
using Microsoft.Extensions.Options;

namespace Herd.Gateway.Extensions;

/// <summary>Wires the gateway's roles: <see cref="RolesOptions"/> and the <see cref="RoleCatalog"/> that reads and watches the roles file.</summary>
public static class RolesExtensions
{
    /// <summary>
    /// Registers the role catalog as a singleton and as a hosted service, so the roles file is
    /// read when the host starts (an invalid file stops start-up with every error listed) and
    /// watched while it runs.
    /// </summary>
    public static IHostApplicationBuilder AddRoles(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<RolesOptions>()
            .BindConfiguration(RolesOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(provider => new RoleCatalog(
            provider.GetRequiredService<IOptions<RolesOptions>>().Value.ResolveRolesFile(provider.GetRequiredService<IHostEnvironment>().ContentRootPath),
            provider.GetRequiredService<ILogger<RoleCatalog>>()));
        services.AddHostedService(provider => provider.GetRequiredService<RoleCatalog>());
        return builder;
    }
}
