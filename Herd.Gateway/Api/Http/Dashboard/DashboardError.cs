namespace Herd.Gateway.Api.Http.Dashboard;

/// <summary>Why a dashboard call was refused, in words for the person at the page.</summary>
public sealed record DashboardError(string Error);
