namespace Herd.Gateway.Api.Http.Dashboard;

/// <summary>Who the page is signed in as, shown in its header.</summary>
public sealed record ViewerView(string KeyId, string Role, bool ReadsPrompts)
{
    public static ViewerView From(DashboardViewer viewer)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        return new ViewerView(viewer.KeyId, viewer.Role.Name, viewer.ReadsPrompts);
    }
}
