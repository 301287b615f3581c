namespace Herd.AppHost.Resources;

/// <summary>
/// Where the herd keeps what outlives a run on this machine: Redis's append-only file, PostgreSQL's
/// data and password, the admin key. <c>.herd/</c> of the working copy unless <c>Herd:StateFolder</c> says otherwise.
/// </summary>
/// <param name="Root">The folder, absolute.</param>
public sealed record StateFolder(string Root)
{
    /// <summary>The configuration key that moves the state folder (<c>--Herd:StateFolder /path</c>).</summary>
    public const string ConfigurationKey = "Herd:StateFolder";

    /// <summary>The file the first gateway writes the herd's first admin key to.</summary>
    public string AdminKeyFile => Path("admin.key");

    /// <summary>A file or folder inside the state folder.</summary>
    public string Path(string name) => System.IO.Path.Combine(Root, name);
}
