namespace Herd.Gateway.Api.Http.Dashboard;

/// <summary>Wires the dashboard (<see cref="DashboardApi"/>); it reads the ledger, so it exists only with access control on.</summary>
public static class DashboardExtensions
{
    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<DashboardData>();
        return builder;
    }
}
