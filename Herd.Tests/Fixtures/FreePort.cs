using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Herd.Tests.Fixtures;

/// <summary>Loopback ports for the servers and Herd processes the tests start, from below the kernel's ephemeral range.</summary>
internal static class FreePort
{
    // Below the kernel's ephemeral range: a port the kernel hands out can, once released, become
    // the local end of some outgoing connection before the service binds it, and then clients
    // that dial it reach the wrong socket. Ports here are never chosen by the kernel.
    private const int FirstPort = 10_000;
    private static readonly int EndPort = EphemeralRangeStart();
    private static int _next = FirstPort + Random.Shared.Next(Math.Max(1, EndPort - FirstPort));

    /// <summary>A loopback TCP port that nothing listens on right now and that no other call of this process was given.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < EndPort - FirstPort; attempt++)
        {
            var port = FirstPort + ((Interlocked.Increment(ref _next) - FirstPort) % (EndPort - FirstPort));
            if (IsFree(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port between {FirstPort} and {EndPort}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralRangeStart()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(range) && int.TryParse(File.ReadAllText(range).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start) && start > FirstPort + 1000
            ? start
            : 32_768;
    }
}
