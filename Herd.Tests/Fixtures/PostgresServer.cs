using System.Globalization;
using Herd.AppHost.Resources;
using Npgsql;

namespace Herd.Tests.Fixtures;

/// <summary>
/// A private PostgreSQL server on a free loopback port with its own data folder. PostgreSQL
/// refuses to run as root, so when the tests run as root the server runs as the unprivileged
/// <c>postgres</c> user that Debian's package creates.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string UnprivilegedUser = "postgres";
    private const string Superuser = "herd";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    private readonly string _binDirectory;

    private PostgresServer(string binDirectory, string dataDirectory, int port)
    {
        _binDirectory = binDirectory;
        DataDirectory = dataDirectory;
        Port = port;
    }

    public int Port { get; }

    public string DataDirectory { get; }

    /// <summary>Connects as the superuser to the maintenance database.</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = Superuser,
        Database = database,
        Pooling = false,
    }.ConnectionString;

    public static async Task<PostgresServer> StartAsync()
    {
        var binDirectory = PostgresBinaries.FindDirectory();
        var port = FreePort.Next();
        // initdb creates the folder itself, so it belongs to the user the server runs as.
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"herd-postgres-{Guid.NewGuid():N}");
        var server = new PostgresServer(binDirectory, dataDirectory, port);

        await server.RunAsync("initdb", "-D", dataDirectory, "-U", Superuser, "--auth=trust", "--encoding=UTF8", "--no-sync");
        try
        {
            await server.StartAgainAsync();
        }
        catch
        {
            server.DeleteDataDirectory();
            throw;
        }

        return server;
    }

    /// <summary>Stops the server, keeping its data, as an outage would; <see cref="StartAgainAsync"/> brings it back on the same port.</summary>
    public Task StopAsync() => RunAsync("pg_ctl", "-D", DataDirectory, "-m", "fast", "-w", "stop");

    /// <summary>Starts the server on its data folder and port and waits until it takes connections.</summary>
    public Task StartAgainAsync()
    {
        var serverOptions = string.Join(' ',
            $"-p {Port.ToString(CultureInfo.InvariantCulture)}",
            "-c listen_addresses=127.0.0.1",
            $"-k {DataDirectory}",
            // A throwaway server trades durability for speed.
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        return RunAsync("pg_ctl", "-D", DataDirectory, "-l", Path.Combine(DataDirectory, "server.log"), "-o", serverOptions, "-w", "-t", "60", "start");
    }

    /// <summary>Creates an empty database and returns a connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionStringFor(name);
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            await StopAsync();
        }

        DeleteDataDirectory();
    }

    private void DeleteDataDirectory()
    {
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    private Task<string> RunAsync(string program, params string[] arguments)
    {
        var executable = Path.Combine(_binDirectory, program);
        return Posix.IsRoot
            ? Command.RunAsync("runuser", ["-u", UnprivilegedUser, "--", executable, .. arguments], CommandTimeout)
            : Command.RunAsync(executable, arguments, CommandTimeout);
    }
}
