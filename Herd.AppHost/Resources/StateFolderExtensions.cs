namespace Herd.AppHost.Resources;

/// <summary>Finds the herd's <see cref="StateFolder"/> from the app host's configuration.</summary>
public static class StateFolderExtensions
{
    public static StateFolder StateFolder(this IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return new StateFolder(builder.Configuration[Resources.StateFolder.ConfigurationKey] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            // The app host's project folder sits in the working copy's root.
            : Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", ".herd")));
    }
}
