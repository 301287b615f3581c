using Herd.Gateway.WebApp.Data;
using Herd.Gateway.WebApp.Session;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Herd.Gateway.WebApp;

/// <summary>
/// Wires the web app under <see cref="WebAppRoutes.Base"/>: Blazor pages rendered interactively
/// on the server with Fluent UI components. It reads the ledger and signs in with API keys, so it
/// exists only with access control on.
/// </summary>
public static class WebAppExtensions
{
    public static IHostApplicationBuilder AddWebApp(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddFluentUIComponents();
        services.AddScoped<WebAppSession>();
        services.AddSingleton<HerdActivity>();
        services.AddSingleton<MyHistory>();
        return builder;
    }

    public static WebApplication MapWebApp(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        // The gateway's single dashboard page became the web app; old links and bookmarks lead there.
        app.MapGet(WebAppRoutes.OldDashboard, () => Results.Redirect(WebAppRoutes.Base)).ExcludeFromDescription();
        return app;
    }
}
