using System.Net;
using System.Net.Sockets;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Gateway.Ledger;

/// <summary>
/// A loopback port that refuses connections, as a PostgreSQL that is not up yet does, until
/// <see cref="Open"/>; from then on it forwards every connection to the real server.
/// </summary>
internal sealed class LateListener(int targetPort) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;

    public int Port { get; } = FreePort.Next();

    public void Open()
    {
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _accepting = AcceptAsync(_listener);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener?.Stop();
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        var relays = new List<Task>();
        try
        {
            while (true)
            {
                relays.Add(RelayAsync(await listener.AcceptTcpClientAsync(_stop.Token)));
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        await Task.WhenAll(relays);
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, targetPort, _stop.Token);
                var (clientStream, serverStream) = (client.GetStream(), server.GetStream());
                await Task.WhenAny(
                    clientStream.CopyToAsync(serverStream, _stop.Token),
                    serverStream.CopyToAsync(clientStream, _stop.Token));
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException or SocketException)
            {
                // Either side went away; so does the relay.
            }
        }
    }
}
