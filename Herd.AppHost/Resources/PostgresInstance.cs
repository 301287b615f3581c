using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Herd.AppHost.Resources;

/// <summary>
/// A private PostgreSQL server from the machine's installation, with its files under one folder:
/// <c>data/</c> (initialised on first start) and <c>password</c> (the superuser's, made up then).
/// PostgreSQL refuses to run as root, so an app host running as root runs it, and
/// <c>initdb</c>, as the unprivileged <c>postgres</c> user that Debian's package creates, through
/// <c>setpriv</c>: it replaces itself with the server, so DCP's signals reach PostgreSQL.
/// </summary>
public sealed class PostgresInstance(string folder)
{
    public const string Superuser = "herd";
    private const string UnprivilegedUser = "postgres";
    private static readonly TimeSpan InitTimeout = TimeSpan.FromMinutes(2);

    private readonly string _binDirectory = PostgresBinaries.FindDirectory();
    private readonly Lock _initializing = new();

    /// <summary>The folder that holds <c>data/</c> and <c>password</c> (<c>.herd/postgres</c>).</summary>
    public string Folder => folder;

    private string DataDirectory => Path.Combine(folder, "data");

    private string PasswordFile => Path.Combine(folder, "password");

    /// <summary>The superuser's password, made up when the data folder is initialised (which this does first, if it is new).</summary>
    /// <exception cref="InvalidOperationException">The data folder is there but its password file is not.</exception>
    public string Password
    {
        get
        {
            lock (_initializing)
            {
                EnsureInitialized();
            }

            return File.Exists(PasswordFile)
                ? File.ReadAllText(PasswordFile).Trim()
                : throw new InvalidOperationException(
                    $"The ledger's PostgreSQL data is in {DataDirectory} but its password file {PasswordFile} is missing. Delete {folder} to start from an empty ledger.");
        }
    }

    /// <summary>The server's program and its arguments, but for the port (<c>-p</c>), which DCP assigns.</summary>
    public (string Executable, IReadOnlyList<string> Arguments) ServerCommand() =>
        AsServerUser("postgres", [
            "-D", DataDirectory,
            "-c", "listen_addresses=127.0.0.1",
            // TCP only: a socket file in the data folder would be one more thing to clean up.
            "-c", "unix_socket_directories=",
        ]);

    private void EnsureInitialized()
    {
        if (File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            return;
        }

        Directory.CreateDirectory(folder);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        WritePrivately(PasswordFile, password);

        // initdb reads the password from a file the server's user can read, deleted right after.
        var passwordForInitdb = Path.Combine(folder, "initdb-password");
        WritePrivately(passwordForInitdb, password);
        if (Directory.Exists(DataDirectory))
        {
            // A half-made folder from an interrupted first start.
            Directory.Delete(DataDirectory, recursive: true);
        }

        Directory.CreateDirectory(DataDirectory);
        if (Posix.IsRoot)
        {
            var (userId, groupId) = UnprivilegedIds();
            Posix.ChangeOwner(DataDirectory, userId, groupId);
            Posix.ChangeOwner(passwordForInitdb, userId, groupId);
        }

        try
        {
            RunInitdb(AsServerUser("initdb", [
                "-D", DataDirectory, "-U", Superuser, "--pwfile", passwordForInitdb,
                "--auth=scram-sha-256", "--encoding=UTF8",
            ]));
        }
        finally
        {
            File.Delete(passwordForInitdb);
        }
    }

    private static void WritePrivately(string path, string text)
    {
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>One of PostgreSQL's programs, run as the unprivileged user when the app host is root.</summary>
    private (string Executable, string[] Arguments) AsServerUser(string program, string[] arguments)
    {
        var path = Path.Combine(_binDirectory, program);
        return Posix.IsRoot
            ? ("setpriv", ["--reuid", UnprivilegedUser, "--regid", UnprivilegedUser, "--init-groups", "--reset-env", "--", path, .. arguments])
            : (path, arguments);
    }

    private void RunInitdb((string Executable, string[] Arguments) commandLine)
    {
        var startInfo = new ProcessStartInfo(commandLine.Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in commandLine.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {commandLine.Executable}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(InitTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"initdb did not finish within {InitTimeout.TotalMinutes:F0} minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"initdb failed ({process.ExitCode}) for {DataDirectory}: {errors.Result}{output.Result}");
        }
    }

    private static (int UserId, int GroupId) UnprivilegedIds()
    {
        // /etc/passwd: name:x:uid:gid:...
        var entry = File.ReadLines("/etc/passwd").Select(line => line.Split(':')).FirstOrDefault(fields => fields[0] == UnprivilegedUser)
            ?? throw new InvalidOperationException(
                $"PostgreSQL refuses to run as root and there is no '{UnprivilegedUser}' user to run it as. Install PostgreSQL with ./run.sh (apt-get install postgresql creates the user), or run the app host as an ordinary user.");
        return (int.Parse(entry[2], CultureInfo.InvariantCulture), int.Parse(entry[3], CultureInfo.InvariantCulture));
    }
}
