using System.Globalization;
using System.Net;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Node;

public sealed class NodeProcessTests
{
    [Fact]
    public async Task Node_ReportsItsDeviceServesHealthAndStopsCleanlyOnSigint()
    {
        var httpPort = FreePort.Next();
        await using var node = HerdService.Start("Herd.Node",
        [
            string.Create(CultureInfo.InvariantCulture, $"--Kestrel:Endpoints:Http:Url=http://127.0.0.1:{httpPort}"),
            "--Herd:Node:NodeId=node-under-test",
            "--Herd:Node:Device=cpu",
            "--Herd:Node:Threads=1",
        ]);
        await node.WaitUntilStartedAsync();

        using var http = new HttpClient();
        var health = await http.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/health"));
        var exitCode = await node.StopAsync(Posix.SigInt, TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("Herd node node-under-test is up on cpu (1 threads)", node.Output, StringComparison.Ordinal);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task Node_WithAnUnknownDevice_RefusesToStartAndSaysWhy()
    {
        await using var node = HerdService.Start("Herd.Node",
            [string.Create(CultureInfo.InvariantCulture, $"--Kestrel:Endpoints:Http:Url=http://127.0.0.1:{FreePort.Next()}")],
            new Dictionary<string, string> { ["Herd__Node__Device"] = "gpu" });

        var exitCode = await node.WaitForExitAsync(HerdService.StartTimeout);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Herd:Node:Device must be auto, cpu or cuda.", node.Output, StringComparison.Ordinal);
    }
}
