using System.Text;
using Herd.Gateway.Access.Keys;
using Herd.Gateway.Access.Roles;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Herd.Gateway.Access;

/// <summary>
/// Wires access control: API keys (kept in the ledger) checked on every client call, and roles.
/// The doors put the check in front of their routes.
/// </summary>
public static class AccessExtensions
{
    /// <summary>Whether the configuration turns access control on (it is on unless set to false).</summary>
    public static bool IsAccessEnabled(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(AccessOptions.Section).Get<AccessOptions>()?.Enabled ?? true;
    }

    /// <summary>Keys, roles and the key check; nothing but the options where access control is off. Needs the ledger.</summary>
    public static IHostApplicationBuilder AddAccess(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<AccessOptions>().BindConfiguration(AccessOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (!IsAccessEnabled(builder.Configuration))
        {
            return builder;
        }

        // Kestrel drops the whole connection over a header byte outside ASCII; read such bytes as
        // Latin-1 instead, so that a mangled key header gets the key check's UNAUTHENTICATED.
        services.Configure<KestrelServerOptions>(kestrel => kestrel.RequestHeaderEncodingSelector = _ => Encoding.Latin1);
        builder.AddRoles();
        builder.AddKeys();
        services.AddSingleton<KeyVerifier>();
        services.AddSingleton<KeyCheck>();
        services.AddSingleton<HistoryOptOut>();
        services.AddHostedService<BootstrapKeyWriter>();
        return builder;
    }

    /// <summary>The API key store in the ledger and the hasher it uses.</summary>
    public static IHostApplicationBuilder AddKeys(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(provider => new ApiKeyHasher(provider.GetRequiredService<IOptions<ApiKeyOptions>>().Value.KeyPepper));
        services.AddSingleton<ApiKeyStore>();
        return builder;
    }

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
