using System.Globalization;
using System.Net;
using Herd.Gateway.Api.Grpc;
using Herd.Gateway.Nodes;
using Herd.Gateway.Nodes.Links;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herd.Tests.Fixtures;

/// <summary>
/// The gateway's node links (AddNodeLinks/MapNodeLinks, without the Redis queue) in the test process, on a real loopback port
/// with HTTP/2 cleartext, so tests can reach its <see cref="NodeRegistry"/> directly.
/// </summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    public const string Secret = "link-test-secret";

    private readonly WebApplication _app;
    private readonly string _contentRoot;

    private GatewayHost(WebApplication app, string contentRoot, int port)
    {
        _app = app;
        _contentRoot = contentRoot;
        Port = port;
    }

    public int Port { get; }

    public string Url => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}");

    public NodeRegistry Registry => _app.Services.GetRequiredService<NodeRegistry>();

    public static async Task<GatewayHost> StartAsync(int? port = null, string? secret = Secret)
    {
        var listenPort = port ?? FreePort.Next();
        // An empty content root: no appsettings.json, so no endpoints but the one below.
        var contentRoot = Directory.CreateTempSubdirectory("herd-gateway-").FullName;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "Herd.Gateway", ContentRootPath = contentRoot });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Herd:Gateway:GatewayId"] = "gateway-under-test",
            ["Herd:Gateway:NodeSecret"] = secret,
            ["Herd:Gateway:HeartbeatInterval"] = "00:00:00.200",
            ["Herd:Gateway:HelloTimeout"] = "00:00:02",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, listenPort, listen => listen.Protocols = HttpProtocols.Http2));
        builder.AddGrpcServer();
        builder.AddNodeLinks();
        var app = builder.Build();
        app.MapGrpcServer();
        app.MapNodeLinks();
        await app.StartAsync();
        return new GatewayHost(app, contentRoot, listenPort);
    }

    /// <summary>Waits until a node with this id is linked.</summary>
    public async Task<NodeConnection> WaitForNodeAsync(string nodeId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var changed = Registry.CapacityChanged;
            if (Registry.TryGet(nodeId, out var connection))
            {
                return connection;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Node {nodeId} did not link within {timeout}.");
            }

            await Task.WhenAny(changed, Task.Delay(left));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_contentRoot, recursive: true);
    }
}
