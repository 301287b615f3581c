namespace Herd.Gateway.Api.Http.Dashboard;

/// <summary>
/// The dashboard: the page under <c>/dashboard/</c> (static files from wwwroot) and the JSON it
/// polls under <c>/dashboard/api/</c>, each call behind <see cref="DashboardKeyFilter"/>.
/// </summary>
public static class DashboardApi
{
    public const string PagePath = "/dashboard";
    public const string ApiPath = "/dashboard/api";

    public static WebApplication MapDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // /dashboard answers with a redirect to /dashboard/, whose index.html is the page.
        app.UseDefaultFiles();
        app.UseStaticFiles();
        var api = app.MapGroup(ApiPath).AddEndpointFilter<DashboardKeyFilter>();
        api.MapGet("/snapshot", (HttpContext http, DashboardData data) =>
            data.SnapshotAsync(DashboardViewer.Of(http), http.RequestAborted));
        api.MapGet("/usage", async (HttpContext http, DashboardData data, TimeProvider time, string? from, string? to) =>
            UsageRangeArguments.TryRead(from, to, time.GetUtcNow(), out var range, out var problem)
                ? Results.Ok(await data.UsageAsync(range, http.RequestAborted).ConfigureAwait(false))
                : DashboardErrors.Json(StatusCodes.Status400BadRequest, problem));
        return app;
    }
}
