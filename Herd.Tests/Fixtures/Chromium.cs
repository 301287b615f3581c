using Microsoft.Playwright;

namespace Herd.Tests.Fixtures;

/// <summary>Debian's Chromium, driven by Playwright; the tests never download a browser.</summary>
internal static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <param name="arguments">more command-line switches for Chromium</param>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright, params string[] arguments) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // The machine's network is closed: without these Chromium keeps trying to reach Google.
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", .. arguments],
        });
}
