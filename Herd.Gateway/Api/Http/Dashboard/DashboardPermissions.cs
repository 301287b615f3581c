using Herd.Gateway.Access.Roles;

namespace Herd.Gateway.Api.Http.Dashboard;

/// <summary>
/// What a role needs for the dashboard, written in the roles file's <c>allow_methods</c> like a
/// gRPC method, so that a role of operators (<c>["*"]</c>) has it without a new setting.
/// </summary>
public static class DashboardPermissions
{
    /// <summary>Opening the dashboard and reading its data: nodes, queue, recent requests and usage of every key.</summary>
    public const string View = "herd.Dashboard/View";

    /// <summary>
    /// Reading every key's prompts, the permission that <c>UsageReports/ListHistory</c> already
    /// gives over gRPC; without it the dashboard shows requests without their text.
    /// </summary>
    public const string ReadPrompts = "herd.v1.UsageReports/ListHistory";

    public static bool MayView(Role role)
    {
        ArgumentNullException.ThrowIfNull(role);
        return role.AllowsMethod(View);
    }

    public static bool MayReadPrompts(Role role)
    {
        ArgumentNullException.ThrowIfNull(role);
        return role.AllowsMethod(ReadPrompts);
    }
}
