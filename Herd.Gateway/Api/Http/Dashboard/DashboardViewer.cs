using Herd.Gateway.Access.Roles;

namespace Herd.Gateway.Api.Http.Dashboard;

/// <summary>The key that opened the dashboard, as its JSON endpoints see it after <see cref="DashboardKeyFilter"/>.</summary>
/// <param name="KeyId">The key's public id, never its secret.</param>
public sealed record DashboardViewer(string KeyId, Role Role)
{
    private static readonly object ItemKey = new();

    /// <summary>Whether the page may show every key's prompts.</summary>
    public bool ReadsPrompts => DashboardPermissions.MayReadPrompts(Role);

    internal void Attach(HttpContext context) => context.Items[ItemKey] = this;

    /// <summary>The viewer that <see cref="DashboardKeyFilter"/> admitted to this request.</summary>
    public static DashboardViewer Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(ItemKey, out var viewer) && viewer is DashboardViewer admitted
            ? admitted
            : throw new InvalidOperationException("The dashboard's endpoints run behind DashboardKeyFilter; this one was mapped without it.");
    }
}
