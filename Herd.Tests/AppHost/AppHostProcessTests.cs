using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Herd.Tests.Fixtures;

namespace Herd.Tests.AppHost;

/// <summary>The app host as a person runs it in a terminal: what it prints, Ctrl-C, bad options.</summary>
[Collection(OneHerdAtATime.Name)]
public sealed partial class AppHostProcessTests : IDisposable
{
    private readonly AppHostState _state = new();

    [Fact]
    public async Task AppHost_InATerminal_PrintsTheDashboardAndATryItLineThatAnswers_AndCtrlCStopsNodesThenGatewaysThenServers()
    {
        await using var appHost = _state.Start(["--nodes", "2"], ownSession: true);
        await appHost.WaitForOutputAsync(output => output.Contains("Try it:", StringComparison.Ordinal), HerdAppHost.StartTimeout);
        var tryIt = TryItLine().Match(appHost.Output);
        var dashboard = DashboardLine().Match(appHost.Output).Groups["url"].Value;
        using var http = new HttpClient();
        using var dashboardAnswer = await http.GetAsync(new Uri(dashboard));
        var tryItRun = Stopwatch.StartNew();
        var (tryItExit, tryItOutput) = await RunAsync(tryIt.Value);
        tryItRun.Stop();
        var running = HerdProcesses.Carrying(_state.Folder).Concat(HerdProcesses.Carrying(_state.ModelCache)).Distinct().ToList();

        // Ctrl-C in a terminal: SIGINT to the app host's whole process group.
        Posix.Signal(-appHost.Id, Posix.SigInt);
        var exitCode = await appHost.WaitForExitAsync(TimeSpan.FromMinutes(2));
        var stopped = StoppedLine().Matches(appHost.Output).Select(line => line.Groups["resource"].Value).ToList();

        Assert.True(tryIt.Success, appHost.Output);
        Assert.Equal(await _state.AdminKeyAsync(TimeSpan.Zero), tryIt.Groups["key"].Value);
        Assert.Equal(HttpStatusCode.OK, dashboardAnswer.StatusCode);
        Assert.True(tryItExit == 0, tryItOutput);
        // herd-tiny's random weights may end the text early (stop) or run to --max-tokens' default (length).
        Assert.Matches(@"\[(stop|length): \d+ prompt \+ \d+ completion tokens on node-[a-z0-9]+, fee ", tryItOutput);
        Assert.True(tryItRun.Elapsed < TimeSpan.FromSeconds(30), $"the printed command took {tryItRun.Elapsed}");
        // Redis, PostgreSQL (as the postgres user), one gateway, two nodes, each with its `dotnet run`.
        Assert.True(running.Count >= 5, $"only {running.Count} of the herd's processes were found");
        Assert.Equal(0, exitCode);
        Assert.Equal(["node", "node", "gateway"], stopped.Take(3));
        Assert.Equal(["postgres", "redis"], stopped.Skip(3).Order());
        Assert.Empty(HerdProcesses.Carrying(_state.Folder).Concat(HerdProcesses.Carrying(_state.ModelCache)));
    }

    [Fact]
    public async Task AppHost_RefusesBadOptions_WithOneMessagePerProblem_AndStartsNothing()
    {
        await using var appHost = _state.Start([
            "--nodes", "-1", "--gateways", "0", "--capacity", "lots", "--group", "Team A",
            "--device", "tpu", "--Herd:Model", "./no-such-model-folder", "--Herd:Banner", "maybe",
        ]);
        var exitCode = await appHost.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains("--nodes '-1' is not a whole number from 0 to 64.", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("--gateways '0' is not a whole number from 1 to 16.", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("--capacity 'lots' is not a whole number from 0 to 1024.", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("--group 'Team A' is not a node group name", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("--device 'tpu' is not one of auto, cpu, cuda.", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("--model './no-such-model-folder' is not a folder", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("Herd:Banner 'maybe' is not true or false.", appHost.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Distributed application starting", appHost.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_state.Folder), "the app host made its state folder although it refused to start");
    }

    public void Dispose() => _state.Dispose();

    /// <summary>Runs a printed command line from the working copy's root, as a person pasting it would.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(string commandLine)
    {
        var words = Words().Matches(commandLine).Select(word => word.Groups["quoted"].Success ? word.Groups["quoted"].Value : word.Value).ToList();
        var startInfo = new ProcessStartInfo(words[0]) { WorkingDirectory = HerdService.RepositoryRoot(), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var word in words.Skip(1))
        {
            startInfo.ArgumentList.Add(word);
        }

        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }

    [GeneratedRegex("""dotnet run \S.* --project Herd\.Cli -- complete --gateway (?<gateway>\S+) --key (?<key>\S+) --prompt "Hello, herd"$""", RegexOptions.Multiline)]
    private static partial Regex TryItLine();

    [GeneratedRegex(@"Aspire dashboard[^:]*: (?<url>http\S+/login\?t=\S+)")]
    private static partial Regex DashboardLine();

    [GeneratedRegex(@"Stopped (?<resource>[a-z]+)-[a-z0-9]+ in ", RegexOptions.Multiline)]
    private static partial Regex StoppedLine();

    [GeneratedRegex("\"(?<quoted>[^\"]*)\"|\\S+")]
    private static partial Regex Words();
}
