using System.Diagnostics;
using StackExchange.Redis;

namespace Herd.Tests.Fixtures;

/// <summary>A private redis-server on a free loopback port with its own data folder.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly ChildProcess _process;

    private RedisServer(ChildProcess process, int port, string dataDirectory)
    {
        _process = process;
        Port = port;
        DataDirectory = dataDirectory;
    }

    public int Port { get; }

    public string DataDirectory { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var executable = Executables.Find("redis-server", "/usr/bin/redis-server")
            ?? throw new InvalidOperationException(
                "redis-server is not installed. Run ./test.sh, which installs it, or apt-get install redis-server.");

        var port = FreePort.Next();
        var dataDirectory = Directory.CreateTempSubdirectory("herd-redis-").FullName;
        var startInfo = new ProcessStartInfo(executable)
        {
            ArgumentList =
            {
                "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--bind", "127.0.0.1",
                "--dir", dataDirectory,
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--logfile", "",
            },
        };

        var process = ChildProcess.Start($"redis-server on port {port}", startInfo);
        var server = new RedisServer(process, port, dataDirectory);
        try
        {
            await process.WaitForOutputAsync(output => output.Contains("Ready to accept connections", StringComparison.Ordinal), StartTimeout);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync(ConnectionString);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM is redis-server's orderly shutdown.
            await _process.StopAsync(Posix.SigTerm, TimeSpan.FromSeconds(15));
        }

        await _process.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }
}
