using Herd.Contracts.V1;
using Herd.Tests.Fixtures;
using Herd.Tests.Mesh;
using Microsoft.Playwright;

namespace Herd.Tests.Gateway.WebApp;

/// <summary>What the web app's tests do in the browser and through the API, in one place.</summary>
internal static class WebAppPages
{
    /// <summary>How long the page may take to show what the herd has; tabs read it every two seconds and the ledger is written just after a request ends.</summary>
    public const float TimeoutMs = 30_000;

    /// <summary>Set to 1 to refresh docs/images/webapp-*.png from this run's screenshots.</summary>
    public const string UpdateScreenshotsVariable = "HERD_UPDATE_SCREENSHOT";

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static async Task GoAsync(this IPage page, WebAppHerdFixture fixture, string path) =>
        await page.GotoAsync(new Uri(fixture.HttpAddress, path).ToString());

    /// <summary>Opens the sign-in page and signs in with <paramref name="key"/>; what follows (signed in, or the page's refusal) is the test's to check.</summary>
    public static async Task SignInAsync(this IPage page, WebAppHerdFixture fixture, string key)
    {
        const int Attempts = 3;
        var answered = page.Locator("#viewer, #sign-in-error").First;
        for (var attempt = 1; ; attempt++)
        {
            // Typed in the moment the page appears, the key can reach the field before Fluent's
            // input has joined the circuit (the page then signs in with an empty key), and a
            // machine busy with other tests can drop a circuit as it starts: open the page again.
            try
            {
                await page.GoAsync(fixture, "/app/sign-in");
                await page.Locator("#key input").FillAsync(key, new LocatorFillOptions { Timeout = TimeoutMs / Attempts });
                await page.Locator("#sign-in-button").ClickAsync(new LocatorClickOptions { Timeout = TimeoutMs / Attempts });
                await answered.WaitForAsync(new LocatorWaitForOptions { Timeout = TimeoutMs / Attempts });
            }
            catch (TimeoutException) when (attempt < Attempts)
            {
                continue;
            }

            var empty = await page.Locator("#sign-in-error").CountAsync() > 0
                && (await page.Locator("#sign-in-error").InnerTextAsync()).Contains("Paste an API key first", StringComparison.Ordinal);
            if (!empty || attempt == Attempts)
            {
                return;
            }
        }
    }

    /// <summary>Signs in and waits until the app has led to the role's first tab, so that what the test clicks next is not lost in that move.</summary>
    public static async Task SignedInAsync(this IPage page, WebAppHerdFixture fixture, string key)
    {
        await page.SignInAsync(fixture, key);
        await page.Locator("#viewer").WaitForAsync(new LocatorWaitForOptions { Timeout = TimeoutMs });
        static bool OnATab(string url) => !url.EndsWith("/app", StringComparison.Ordinal) && !url.Contains("/app/sign-in", StringComparison.Ordinal);
        try
        {
            await page.WaitForURLAsync(OnATab, new PageWaitForURLOptions { Timeout = TimeoutMs / 2 });
        }
        catch (TimeoutException)
        {
            // Signed in, but the move to the first tab was lost with a circuit that a busy machine
            // dropped: the app's root leads a signed-in session there again.
            await page.GoAsync(fixture, "/app");
            await page.WaitForURLAsync(OnATab, new PageWaitForURLOptions { Timeout = TimeoutMs });
        }

        await page.Locator("main h1.herd-page-title").First.WaitForAsync(new LocatorWaitForOptions { Timeout = TimeoutMs });
    }

    /// <summary>
    /// Does <paramref name="action"/> until <paramref name="expected"/> shows, at most three times:
    /// on a machine busy with other tests, an input or click can reach a page in the moment its
    /// circuit re-renders it and be lost.
    /// </summary>
    public static async Task UntilShownAsync(this IPage page, Func<Task> action, ILocator expected)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(expected);
        const int Attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            await action();
            try
            {
                await expected.First.WaitForAsync(new LocatorWaitForOptions { Timeout = TimeoutMs / Attempts });
                return;
            }
            catch (TimeoutException) when (attempt < Attempts)
            {
                // Once more.
            }
        }
    }

    /// <summary>Does <paramref name="action"/> until <paramref name="shows"/> contains <paramref name="text"/>, at most three times (see <see cref="UntilShownAsync"/>).</summary>
    public static async Task UntilTextAsync(this IPage page, Func<Task> action, ILocator shows, string text)
    {
        ArgumentNullException.ThrowIfNull(action);
        const int Attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            await action();
            try
            {
                await Assertions.Expect(shows).ToContainTextAsync(text, new LocatorAssertionsToContainTextOptions { Timeout = TimeoutMs / Attempts });
                return;
            }
            catch (PlaywrightException) when (attempt < Attempts)
            {
                // Once more.
            }
        }
    }

    public static Task WaitForTextAsync(this ILocator locator, string text) =>
        Assertions.Expect(locator).ToContainTextAsync(text, new LocatorAssertionsToContainTextOptions { Timeout = TimeoutMs });

    /// <summary>The tab names the rail shows.</summary>
    public static async Task<IReadOnlyList<string>> RailTabsAsync(this IPage page)
    {
        await page.Locator("#viewer").WaitForAsync(new LocatorWaitForOptions { Timeout = TimeoutMs });
        var items = page.Locator(".herd-rail [data-tab]");
        var names = new List<string>();
        for (var i = 0; i < await items.CountAsync(); i++)
        {
            names.Add(await items.Nth(i).GetAttributeAsync("data-tab") ?? "");
        }

        return names;
    }

    /// <summary>A finished completion through the gRPC door with <paramref name="key"/>.</summary>
    public static async Task<CompletionDone> CompleteAsync(this TestHerd herd, string prompt, string key)
    {
        var completion = await StreamedCompletion.RunAsync(herd.Gateways[0].Completions, MeshClient.Request(prompt, maxTokens: 4), headers: herd.KeyHeaders(key));
        Assert.NotEmpty(completion.Done.LedgerId);
        return completion.Done;
    }

    public static string KeyId(string key) => key.Split('_')[1];

    /// <summary>Writes a 1280x800 screenshot to the fixture's folder, and over docs/images/webapp-<paramref name="tab"/>.png only when asked to.</summary>
    public static async Task SaveScreenshotAsync(this IPage page, WebAppHerdFixture fixture, string tab)
    {
        var name = $"webapp-{tab}.png";
        var path = Path.Combine(fixture.Folder, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
        var png = await File.ReadAllBytesAsync(path);
        Assert.True(png.AsSpan().StartsWith(PngSignature), "The screenshot is not a PNG file.");
        if (Environment.GetEnvironmentVariable(UpdateScreenshotsVariable) == "1")
        {
            File.Copy(path, Path.Combine(HerdService.RepositoryRoot(), "docs", "images", name), overwrite: true);
        }
    }
}
