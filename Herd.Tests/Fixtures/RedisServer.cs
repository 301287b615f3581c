using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace Herd.Tests.Fixtures;

/// <summary>A private redis-server on a free loopback port with its own data folder.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly bool _appendOnly;
    private ChildProcess _process;

    private RedisServer(ChildProcess process, int port, string dataDirectory, bool appendOnly)
    {
        _process = process;
        Port = port;
        DataDirectory = dataDirectory;
        _appendOnly = appendOnly;
    }

    public int Port { get; }

    public string DataDirectory { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>
    /// Starts a server that keeps nothing on disk, or with <paramref name="appendOnly"/> one that
    /// writes every change to its append-only file before answering, so that
    /// <see cref="RestartAsync"/> finds all of it again, even after a kill.
    /// </summary>
    public static async Task<RedisServer> StartAsync(bool appendOnly = false)
    {
        var port = FreePort.Next();
        var dataDirectory = Directory.CreateTempSubdirectory("herd-redis-").FullName;
        ChildProcess process;
        try
        {
            process = await StartProcessAsync(port, dataDirectory, appendOnly);
        }
        catch
        {
            Directory.Delete(dataDirectory, recursive: true);
            throw;
        }

        return new RedisServer(process, port, dataDirectory, appendOnly);
    }

    public Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync(ConnectionString);

    /// <summary>
    /// Stops the server with <paramref name="signal"/> (SIGTERM: orderly; SIGKILL: a crash) and
    /// starts a new one on the same port and data folder.
    /// </summary>
    public async Task RestartAsync(int signal = Posix.SigTerm)
    {
        await StopAsync(signal);
        await StartAgainAsync();
    }

    /// <summary>Stops the server, as an outage would; <see cref="StartAgainAsync"/> brings it back on the same port and data folder.</summary>
    public async Task StopAsync(int signal = Posix.SigTerm)
    {
        await _process.StopAsync(signal, StopTimeout);
        await _process.DisposeAsync();
    }

    /// <summary>Starts the server again after <see cref="StopAsync"/>, on the same port and data folder.</summary>
    public async Task StartAgainAsync() => _process = await StartProcessAsync(Port, DataDirectory, _appendOnly);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM is redis-server's orderly shutdown.
            await _process.StopAsync(Posix.SigTerm, StopTimeout);
        }

        await _process.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }

    private static async Task<ChildProcess> StartProcessAsync(int port, string dataDirectory, bool appendOnly)
    {
        var executable = Executables.Find("redis-server", "/usr/bin/redis-server")
            ?? throw new InvalidOperationException(
                "redis-server is not installed. Run ./test.sh, which installs it, or apt-get install redis-server.");

        var startInfo = new ProcessStartInfo(executable)
        {
            ArgumentList =
            {
                "--port", port.ToString(CultureInfo.InvariantCulture),
                "--bind", "127.0.0.1",
                "--dir", dataDirectory,
                "--save", "",
                "--appendonly", appendOnly ? "yes" : "no",
                "--appendfsync", "always",
                "--daemonize", "no",
                "--logfile", "",
            },
        };

        var process = ChildProcess.Start($"redis-server on port {port}", startInfo);
        try
        {
            await process.WaitForOutputAsync(output => output.Contains("Ready to accept connections", StringComparison.Ordinal), StartTimeout);
            return process;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }
}
