using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Herd.Tests.Fixtures;

namespace Herd.Tests.AppHost;

public sealed partial class AppHostProcessTests : IDisposable
{
    private readonly string _modelCache = Directory.CreateTempSubdirectory("herd-models-").FullName;

    [Fact]
    public async Task AppHost_StartsRedisGatewayAndNode_LinksThem_AndStopsThemAllOnSigint()
    {
        // The resources inherit the app host's environment: the node generates herd-tiny here.
        await using var appHost = HerdService.Start("Herd.AppHost", [], new Dictionary<string, string> { ["HERD_MODEL_CACHE"] = _modelCache });
        await appHost.WaitForOutputAsync(output => ResourceRow().Count(output) == 3, HerdService.StartTimeout);
        await appHost.WaitForOutputAsync(output => output.Contains("Linked to gateway", StringComparison.Ordinal), HerdService.StartTimeout);
        var rows = ResourceRow().Matches(appHost.Output).ToDictionary(row => row.Groups["name"].Value);
        var gatewayHttp = Regex.Match(rows["gateway"].Groups["endpoints"].Value, @"http=(\S+)").Groups[1].Value;

        using var http = new HttpClient();
        var health = await http.GetAsync(new Uri(gatewayHttp + "/health"));
        var exitCode = await appHost.StopAsync(Posix.SigInt, TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(0, exitCode);
        Assert.False(IsRunning(rows["gateway"]), "the gateway outlived the app host");
        Assert.False(IsRunning(rows["node"]), "the node outlived the app host");
        Assert.False(IsRunning(rows["redis"]), "redis outlived the app host");
    }

    public void Dispose() => Directory.Delete(_modelCache, recursive: true);

    private static bool IsRunning(Match row) =>
        Directory.Exists($"/proc/{int.Parse(row.Groups["pid"].Value, CultureInfo.InvariantCulture)}");

    /// <summary>A row of the resource table the app host prints once the herd is up.</summary>
    [GeneratedRegex(@"^\s*(?<name>redis|gateway|node)\s+Running\s+(?<pid>\d+)\s+(?<endpoints>.+)$", RegexOptions.Multiline)]
    private static partial Regex ResourceRow();
}
