using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Net.Client;
using Herd.Contracts.V1;
using Herd.Tests.Fixtures;
using Microsoft.Playwright;

namespace Herd.Tests.AppHost;

/// <summary>The Aspire dashboard the app host runs, in a real browser: the herd's resources, and one trace through gateway and node.</summary>
[Collection(OneHerdAtATime.Name)]
public sealed partial class AspireDashboardTests : IDisposable
{
    /// <summary>Set to 1 to refresh docs/images/aspire-dashboard.png from this run's screenshot.</summary>
    public const string UpdateScreenshotVariable = "HERD_UPDATE_SCREENSHOT";

    // The dashboard is a Blazor app that fills in as telemetry arrives (exported every few seconds).
    private const float PageTimeoutMs = 60_000;

    private readonly AppHostState _state = new();

    [Fact]
    public async Task Dashboard_SignedInWithItsToken_ShowsTheHerdRunning_AndATraceThroughGatewayAndNode()
    {
        // As a person runs it: the dashboard comes with `dotnet run`, and the banner says where.
        await using var appHost = _state.Start(["--nodes", "1"]);
        await appHost.WaitForOutputAsync(output => output.Contains("Try it:", StringComparison.Ordinal), HerdAppHost.StartTimeout);
        var banner = Banner().Match(appHost.Output);
        await CompleteAsync(new Uri(banner.Groups["gateway"].Value), await _state.AdminKeyAsync(TimeSpan.Zero));
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 900 } });

        await page.GotoAsync(banner.Groups["dashboard"].Value);
        foreach (var resource in new[] { "gateway", "node", "redis", "postgres" })
        {
            await page.GetByRole(AriaRole.Row).Filter(new LocatorFilterOptions { HasText = resource }).Filter(new LocatorFilterOptions { HasText = "Running" }).First
                .WaitForAsync(new LocatorWaitForOptions { Timeout = PageTimeoutMs });
        }

        await SaveScreenshotAsync(page, "aspire-dashboard.png");
        var resources = await page.Locator("body").InnerTextAsync();
        await page.GotoAsync(new Uri(new Uri(page.Url), "/traces").ToString());
        // Other traces (the ledger's queries, a node registering) also name gateway and node: find the completion's.
        var trace = page.GetByRole(AriaRole.Row).Filter(new LocatorFilterOptions { HasText = "herd.v1.Completions/Complete" }).First;
        await trace.WaitForAsync(new LocatorWaitForOptions { Timeout = PageTimeoutMs });
        var traceRow = await trace.InnerTextAsync();

        Assert.DoesNotContain("/login", page.Url, StringComparison.Ordinal);
        Assert.Contains("Herd web app", resources, StringComparison.Ordinal);
        Assert.Contains("herd.v1.Completions/Complete", traceRow, StringComparison.Ordinal);
        Assert.Contains("gateway", traceRow, StringComparison.Ordinal);
        Assert.Contains("node", traceRow, StringComparison.Ordinal);
    }

    public void Dispose() => _state.Dispose();

    [GeneratedRegex(@"Aspire dashboard[^:]*: (?<dashboard>http\S+)\s+Gateway \(gRPC\): (?<gateway>http\S+)")]
    private static partial Regex Banner();

    private static async Task CompleteAsync(Uri gateway, string key)
    {
        using var channel = GrpcChannel.ForAddress(gateway);
        var request = new CompletionRequest { Model = "herd-tiny", Prompt = "Seen in the Aspire dashboard", Sampling = new SamplingParams { MaxTokens = 4 } };
        using var call = new Completions.CompletionsClient(channel).Complete(request, HerdAppHost.Authorization(key));
        await foreach (var _ in call.ResponseStream.ReadAllAsync())
        {
            // The trace is what counts.
        }
    }

    private async Task SaveScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(_state.ModelCache, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
        if (Environment.GetEnvironmentVariable(UpdateScreenshotVariable) == "1")
        {
            File.Copy(path, Path.Combine(HerdService.RepositoryRoot(), "docs", "images", name), overwrite: true);
        }
    }
}
