namespace Herd.AppHost.Resources;

/// <summary>
/// Where the machine's PostgreSQL server programs (<c>initdb</c>, <c>postgres</c>, <c>pg_ctl</c>)
/// are. Shared with the tests' private PostgreSQL fixture.
/// </summary>
internal static class PostgresBinaries
{
    /// <exception cref="InvalidOperationException">PostgreSQL's server is not installed.</exception>
    public static string FindDirectory()
    {
        var fromPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(directory => File.Exists(Path.Combine(directory, "initdb")));
        if (fromPath is not null)
        {
            return fromPath;
        }

        // Debian keeps the server binaries off PATH, one folder per major version.
        const string debianRoot = "/usr/lib/postgresql";
        var newest = Directory.Exists(debianRoot)
            ? Directory.GetDirectories(debianRoot)
                .Where(version => File.Exists(Path.Combine(version, "bin", "initdb")))
                .OrderByDescending(version => int.TryParse(Path.GetFileName(version), out var major) ? major : 0)
                .FirstOrDefault()
            : null;
        return newest is not null
            ? Path.Combine(newest, "bin")
            : throw new InvalidOperationException(
                "PostgreSQL's server programs (initdb, postgres, pg_ctl) are not installed: ./run.sh and ./test.sh install them, or apt-get install postgresql.");
    }
}
