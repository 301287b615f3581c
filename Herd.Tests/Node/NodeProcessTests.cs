using System.Globalization;
using System.Net;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Node;

public sealed class NodeProcessTests : IDisposable
{
    private readonly string _modelCache = Directory.CreateTempSubdirectory("herd-models-").FullName;

    [Fact]
    public async Task Node_WithoutAGateway_LoadsItsModelIsAliveButNotReady_AndStopsCleanlyOnSigint()
    {
        var httpPort = FreePort.Next();
        await using var node = HerdService.Start("Herd.Node",
        [
            string.Create(CultureInfo.InvariantCulture, $"--Kestrel:Endpoints:Http:Url=http://127.0.0.1:{httpPort}"),
            "--Herd:Node:NodeId=node-under-test",
            "--Herd:Node:Device=cpu",
            "--Herd:Node:Threads=1",
        ],
        new Dictionary<string, string> { ["HERD_MODEL_CACHE"] = _modelCache });
        await node.WaitUntilStartedAsync();

        using var http = new HttpClient();
        var health = await http.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/health"));
        var alive = await http.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/alive"));
        var exitCode = await node.StopAsync(Posix.SigInt, TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Contains("Herd node node-under-test is up on cpu (1 threads)", node.Output, StringComparison.Ordinal);
        Assert.Contains("Loaded model herd-tiny", node.Output, StringComparison.Ordinal);
        Assert.Contains("No gateway to link to", node.Output, StringComparison.Ordinal);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task Node_WithAnUnknownDevice_RefusesToStartAndSaysWhy()
    {
        await using var node = HerdService.Start("Herd.Node",
            [string.Create(CultureInfo.InvariantCulture, $"--Kestrel:Endpoints:Http:Url=http://127.0.0.1:{FreePort.Next()}")],
            new Dictionary<string, string> { ["Herd__Node__Device"] = "gpu", ["HERD_MODEL_CACHE"] = _modelCache });

        var exitCode = await node.WaitForExitAsync(HerdService.StartTimeout);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Herd:Node:Device must be auto, cpu or cuda.", node.Output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_modelCache, recursive: true);
}
