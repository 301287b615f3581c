namespace Herd.Gateway.Api.Http.Dashboard;

/// <summary>How the dashboard's JSON endpoints say no: a status and <c>{"error": "..."}</c> that the page shows as it is.</summary>
public static class DashboardErrors
{
    public static IResult Json(int status, string message) => Results.Json(new DashboardError(message), statusCode: status);
}
