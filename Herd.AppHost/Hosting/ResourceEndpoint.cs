namespace Herd.AppHost.Hosting;

/// <summary>
/// One endpoint of a resource: a Kestrel endpoint of a project (<c>Kestrel:Endpoints:&lt;Name&gt;</c>,
/// protocols <c>Http1</c> or <c>Http2</c>) or a plain TCP port (<c>Tcp</c>). The app host picks a
/// free loopback port for it when the herd starts.
/// </summary>
public sealed record ResourceEndpoint(string Name, string Protocols)
{
    public int Port { get; set; }

    public bool IsHttp => Protocols != "Tcp";

    public string Url => IsHttp ? $"http://127.0.0.1:{Port}" : $"tcp://127.0.0.1:{Port}";
}
