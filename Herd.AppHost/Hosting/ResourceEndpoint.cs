namespace Herd.AppHost.Hosting;

/// <summary>
/// One Kestrel endpoint of a project (<c>Kestrel:Endpoints:&lt;Name&gt;</c>). The app host picks a
/// free loopback port for it when the herd starts.
/// </summary>
public sealed record ResourceEndpoint(string Name, string Protocols)
{
    public int Port { get; set; }

    public string Url => $"http://127.0.0.1:{Port}";
}
