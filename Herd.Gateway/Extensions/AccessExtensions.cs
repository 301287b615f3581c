using System.Text;
using Grpc.AspNetCore.Server;
using Herd.Gateway.Access;
using Herd.Gateway.Access.Keys;
using Herd.Gateway.Catalog;
using Herd.Gateway.Completions;
using Herd.Gateway.Dashboard;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Herd.Gateway.Extensions;

/// <summary>
/// Wires access control: API keys checked on every client call, roles, the ledger that holds
/// the keys, and the services that administer keys and report usage and history. With
/// <see cref="AccessOptions.Enabled"/> off, none of it is registered.
/// </summary>
public static class AccessExtensions
{
    /// <summary>Whether the configuration turns access control on (it is on unless set to false).</summary>
    public static bool IsAccessEnabled(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(AccessOptions.Section).Get<AccessOptions>()?.Enabled ?? true;
    }

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
        builder.AddLedger();
        builder.AddUsageOutbox();
        builder.AddFees();
        services.AddSingleton<KeyVerifier>();
        services.AddSingleton<AccessInterceptor>();
        services.AddHostedService<BootstrapKeyWriter>();
        services.AddGrpc()
            .RequireKey<CompletionsService>()
            .RequireKey<CatalogService>();
        builder.AddLedgerApi();
        builder.AddDashboard();
        return builder;
    }

    /// <summary>Maps the services that exist only with access control on (<see cref="LedgerApiExtensions.MapLedgerApi"/>) and the dashboard; nothing when it is off.</summary>
    public static WebApplication MapAccess(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (IsAccessEnabled(app.Configuration))
        {
            app.MapLedgerApi();
            app.MapDashboard();
        }

        return app;
    }

    /// <summary>Puts a service behind the <see cref="AccessInterceptor"/>: its calls need a key whose role allows the method.</summary>
    public static IGrpcServerBuilder RequireKey<TService>(this IGrpcServerBuilder grpc)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(grpc);
        return grpc.AddServiceOptions<TService>(options => options.Interceptors.Add<AccessInterceptor>());
    }
}
