using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Herd.Contracts.V1;
using Herd.Gateway.Api.Http.Dashboard;
using Herd.Tests.Fixtures;
using Herd.Tests.Mesh;
using Microsoft.Playwright;

namespace Herd.Tests.Gateway.Dashboard;

/// <summary>The gateway's /dashboard in a real browser and its JSON endpoints, against a real herd.</summary>
public sealed class DashboardTests(DashboardHerdFixture fixture) : IClassFixture<DashboardHerdFixture>
{
    /// <summary>Set to 1 to refresh docs/images/dashboard.png from this run's screenshot.</summary>
    public const string UpdateScreenshotVariable = "HERD_UPDATE_SCREENSHOT";

    /// <summary>How long the page may take to show what the herd has; it polls every two seconds and the ledger is written just after a request ends.</summary>
    private const float PageTimeoutMs = 30_000;

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private TestHerd Herd => fixture.Herd;

    [Fact]
    public async Task Page_SignedInAsAdmin_ShowsBothNodesAndTheRequestJustMade()
    {
        var done = await CompleteAsync("What does the dashboard show?", Herd.AdminKey!);
        await using var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();

        await SignInAsync(page, Herd.AdminKey!);

        foreach (var node in new[] { "node-0", "node-1" })
        {
            var row = page.Locator($"#nodes tbody tr[data-node-id='{node}']");
            await row.WaitForAsync(new LocatorWaitForOptions { Timeout = PageTimeoutMs });
            Assert.Contains("ready", await row.InnerTextAsync(), StringComparison.Ordinal);
        }

        var request = page.Locator($"#requests tbody tr[data-request-id='{done.LedgerId}']");
        await request.WaitForAsync(new LocatorWaitForOptions { Timeout = PageTimeoutMs });
        var shown = await request.InnerTextAsync();
        Assert.Contains(TestHerd.Model, shown, StringComparison.Ordinal);
        Assert.Contains("OK", shown, StringComparison.Ordinal);
        Assert.Contains("What does the dashboard show?", shown, StringComparison.Ordinal);
        Assert.Contains(KeyId(Herd.AdminKey!), await page.Locator("#viewer").InnerTextAsync(), StringComparison.Ordinal);
        // The key lives in the tab's session storage only, never in the address.
        Assert.DoesNotContain(Herd.AdminKey!, page.Url, StringComparison.Ordinal);

        await SaveScreenshotAsync(page);
    }

    [Fact]
    public async Task Page_KeyWithoutThePermission_IsRefusedWithTheReason()
    {
        var key = await fixture.KeyAsync("user");
        await using var context = await fixture.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        await SignInAsync(page, key);

        var error = page.Locator("#login-error");
        await page.WaitForFunctionAsync("() => document.getElementById('login-error').textContent.length > 0", null, new PageWaitForFunctionOptions { Timeout = PageTimeoutMs });
        var message = await error.InnerTextAsync();
        Assert.Contains("may not open the dashboard", message, StringComparison.Ordinal);
        Assert.Contains(DashboardPermissions.View, message, StringComparison.Ordinal);
        Assert.True(await page.Locator("#board").IsHiddenAsync());
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('herd.dashboard.key')"));
    }

    [Fact]
    public async Task Page_WithoutAKey_AsksForOne()
    {
        await using var context = await fixture.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync(new Uri(fixture.HttpAddress, DashboardApi.PagePath).ToString());

        Assert.Equal(200, response?.Status);
        Assert.True(await page.Locator("#login").IsVisibleAsync());
        Assert.True(await page.Locator("#board").IsHiddenAsync());
    }

    [Fact]
    public async Task Api_WithoutAKey_Is401_SayingHowToSendOne()
    {
        using var http = Client(key: null);

        using var response = await http.GetAsync("/dashboard/api/snapshot");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Authorization: Bearer", await ErrorOf(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_UnknownKey_Is401()
    {
        using var http = Client("herd_aaaaaaaaaaaaaaaa_not-a-real-secret");

        using var response = await http.GetAsync("/dashboard/api/snapshot");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotEmpty(await ErrorOf(response));
    }

    [Fact]
    public async Task Api_KeyWithoutThePermission_Is403_NamingIt()
    {
        using var http = Client(await fixture.KeyAsync("user"));

        using var response = await http.GetAsync("/dashboard/api/snapshot");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Contains("'user'", error, StringComparison.Ordinal);
        Assert.Contains(DashboardPermissions.View, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_RoleThatMayNotReadOthersText_GetsRequestsWithoutPrompts()
    {
        var done = await CompleteAsync("a prompt only admins may read", Herd.AdminKey!);
        using var watcher = Client(await fixture.KeyAsync("watcher"));
        using var admin = Client(Herd.AdminKey);

        var seenByWatcher = await RequestInSnapshotAsync(watcher, done.LedgerId);
        var seenByAdmin = await RequestInSnapshotAsync(admin, done.LedgerId);

        Assert.Equal(JsonValueKind.Null, seenByWatcher.GetProperty("prompt").ValueKind);
        Assert.Contains("a prompt only admins may read", seenByAdmin.GetProperty("prompt").GetString(), StringComparison.Ordinal);
        Assert.Equal(done.Usage.CompletionTokens, seenByWatcher.GetProperty("completionTokens").GetInt32());
        Assert.Equal(done.NodeId, seenByWatcher.GetProperty("nodeId").GetString());
    }

    [Fact]
    public async Task Usage_CountsTheRequestByKeyAndModel()
    {
        var key = await fixture.KeyAsync("admin");
        var done = await CompleteAsync("usage", key);
        using var http = Client(Herd.AdminKey);
        await RequestInSnapshotAsync(http, done.LedgerId);

        using var response = await http.GetAsync("/dashboard/api/usage");
        response.EnsureSuccessStatusCode();
        using var usage = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        var byKey = usage.RootElement.GetProperty("byKey").EnumerateArray().Single(row => row.GetProperty("group").GetString() == KeyId(key));
        Assert.Equal(1, byKey.GetProperty("requests").GetInt64());
        Assert.Equal(done.Usage.CompletionTokens, byKey.GetProperty("completionTokens").GetInt64());
        Assert.Contains(usage.RootElement.GetProperty("byModel").EnumerateArray(), row => row.GetProperty("group").GetString() == TestHerd.Model);
    }

    [Theory]
    [InlineData("from=yesterday", "'from' must be an ISO 8601 time")]
    [InlineData("from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "must be before 'to'")]
    [InlineData("from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "at most 366 days")]
    public async Task Usage_BadRange_Is400_SayingWhatIsWrong(string query, string expected)
    {
        using var http = Client(Herd.AdminKey);

        using var response = await http.GetAsync("/dashboard/api/usage?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await ErrorOf(response), StringComparison.Ordinal);
    }

    private async Task<CompletionDone> CompleteAsync(string prompt, string key)
    {
        var completion = await StreamedCompletion.RunAsync(Herd.Gateways[0].Completions, MeshClient.Request(prompt, maxTokens: 4), headers: Herd.KeyHeaders(key));
        Assert.NotEmpty(completion.Done.LedgerId);
        return completion.Done;
    }

    private async Task SignInAsync(IPage page, string key)
    {
        await page.GotoAsync(new Uri(fixture.HttpAddress, DashboardApi.PagePath).ToString());
        await page.FillAsync("#key", key);
        await page.ClickAsync("#login button[type=submit]");
    }

    /// <summary>Writes the screenshot to the fixture's folder, and over docs/images/dashboard.png only when asked to.</summary>
    private async Task SaveScreenshotAsync(IPage page)
    {
        var path = Path.Combine(fixture.Folder, "dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        var png = await File.ReadAllBytesAsync(path);
        Assert.True(png.AsSpan().StartsWith(PngSignature), "The screenshot is not a PNG file.");
        if (Environment.GetEnvironmentVariable(UpdateScreenshotVariable) == "1")
        {
            File.Copy(path, Path.Combine(HerdService.RepositoryRoot(), "docs", "images", "dashboard.png"), overwrite: true);
        }
    }

    /// <summary>The request as the snapshot lists it, read again until the ledger has it (it is written just after the request ends).</summary>
    private static async Task<JsonElement> RequestInSnapshotAsync(HttpClient http, string requestId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await http.GetAsync("/dashboard/api/snapshot");
            response.EnsureSuccessStatusCode();
            using var snapshot = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            foreach (var request in snapshot.RootElement.GetProperty("requests").EnumerateArray())
            {
                if (request.GetProperty("requestId").GetString() == requestId)
                {
                    return request.Clone();
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"The dashboard did not list request {requestId} in time.");
            await Task.Delay(100);
        }
    }

    private HttpClient Client(string? key)
    {
        var http = new HttpClient { BaseAddress = fixture.HttpAddress };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return http;
    }

    private static async Task<string> ErrorOf(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("error").GetString() ?? "";
    }

    private static string KeyId(string key) => key.Split('_')[1];
}
