using System.Globalization;

namespace Herd.AppHost.Hosting;

/// <summary>
/// One endpoint of a resource: a Kestrel endpoint of a project (<c>Kestrel:Endpoints:&lt;Name&gt;</c>,
/// protocols <c>Http1</c> or <c>Http2</c>) or a plain TCP port (<c>Tcp</c>). When the herd runs
/// here the app host picks a free loopback port for each replica; published, the endpoint listens
/// on <see cref="TargetPort"/> in its container.
/// </summary>
/// <param name="Name">The endpoint's name, which is also its Kestrel endpoint's name.</param>
/// <param name="Protocols"><c>Http1</c>, <c>Http2</c> or <c>Tcp</c>.</param>
/// <param name="TargetPort">The port inside the container when published.</param>
public sealed record ResourceEndpoint(string Name, string Protocols, int TargetPort)
{
    /// <summary>The local port of each replica, assigned when the herd starts.</summary>
    public List<int> Ports { get; } = [];

    public bool IsHttp => Protocols != "Tcp";

    /// <summary>The first replica's port.</summary>
    public int Port => Ports.Count > 0 ? Ports[0] : throw new InvalidOperationException($"The {Name} endpoint has no port yet: ports are assigned when the herd starts.");

    /// <summary>The first replica's URL.</summary>
    public string Url => UrlOf(0);

    /// <summary>The URL of one replica's endpoint on loopback.</summary>
    public string UrlOf(int replica) =>
        string.Create(CultureInfo.InvariantCulture, $"{(IsHttp ? "http" : "tcp")}://127.0.0.1:{Ports[replica]}");

    /// <summary>The endpoint's name as it appears in configuration keys and manifests (<c>grpc</c>).</summary>
    public string Key => Name.ToLowerInvariant();

    /// <summary>The manifest's transport: <c>http2</c> for gRPC, <c>http</c> for HTTP/1, <c>tcp</c> otherwise.</summary>
    public string Transport => Protocols switch { "Http2" => "http2", "Http1" => "http", _ => "tcp" };
}
