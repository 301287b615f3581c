using Herd.Gateway.Access.Keys;
using Herd.Node.Models;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;

namespace Herd.Tests.Gateway.WebApp;

/// <summary>
/// A gateway with access control on and two nodes, seeded with the example prompts of
/// Herd.Gateway/prompts.yaml, and Debian's Chromium driven by Playwright,
/// shared by the web app's tests. Roles: admin (every method and tab); watcher (the Nodes and Queue
/// tabs, every key's usage but not their text); user (as the default roles file: the prompts on
/// prod, no Queue or Keys tab); blind (the Queue tab, but none of the methods its parts need).
/// </summary>
public sealed class WebAppHerdFixture : IAsyncLifetime
{
    public const string Roles = """
        roles:
          admin:
            allow_methods: ["*"]
            allow_tabs: ["*"]
          watcher:
            allow_methods: ["herd.v1.Catalog/*", "herd.v1.UsageReports/GetTotals"]
            allow_tabs: ["nodes", "queue"]
          user:
            allow_methods: ["herd.v1.Completions/*", "herd.v1.Catalog/*", "herd.v1.Account/*", "herd.v1.History/*", "herd.v1.Prompts/ListPrompts", "herd.v1.Prompts/GetPrompt"]
            allow_prompts: ["*@prod"]
            allow_tabs: ["prompts", "prompt-details", "prompt-lab", "history", "nodes"]
          blind:
            allow_methods: ["herd.v1.Completions/*"]
            allow_tabs: ["queue"]
        """;

    private TestHerd? _herd;
    private LedgerHost? _ledger;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string? _folder;

    internal TestHerd Herd => _herd ?? throw new InvalidOperationException("The herd has not started.");

    internal IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    /// <summary>The gateway's HTTP/1 address, where /app is.</summary>
    internal Uri HttpAddress => new($"http://127.0.0.1:{Herd.Gateways[0].HttpPort}");

    /// <summary>A folder of this fixture's own, removed at the end, for screenshots.</summary>
    internal string Folder => _folder ?? throw new InvalidOperationException("The fixture has not started.");

    internal ApiKeyStore Keys => (_ledger ?? throw new InvalidOperationException("The herd has not started.")).Services.GetRequiredService<ApiKeyStore>();

    internal LedgerHost Ledger => _ledger ?? throw new InvalidOperationException("The herd has not started.");

    /// <summary>A copy of herd-tiny under another name, in every node's catalog and loaded by none at start.</summary>
    internal string SpareModel => Path.Combine(Folder, "herd-spare");

    public async Task InitializeAsync()
    {
        _folder = Directory.CreateTempSubdirectory("herd-webapp-").FullName;
        var rolesFile = Path.Combine(_folder, "roles.yaml");
        await File.WriteAllTextAsync(rolesFile, Roles);
        _herd = await TestHerd.StartAsync(
            gateways: 1,
            nodes: 2,
            gatewaySettings: new Dictionary<string, string> { ["Herd__Gateway__Access__RolesFile"] = rolesFile },
            nodeSettings: new Dictionary<string, string> { ["Herd__Node__Catalog__0"] = SpareModel },
            withAccess: true);
        // The nodes have made herd-tiny by now; a node reads its catalog's folders only when told to load one.
        var tiny = new ModelLocator(TestHerd.ModelCache, NullLogger<ModelLocator>.Instance).Locate(TestHerd.Model);
        Directory.CreateDirectory(SpareModel);
        foreach (var file in Directory.GetFiles(tiny))
        {
            File.Copy(file, Path.Combine(SpareModel, Path.GetFileName(file)));
        }

        _ledger = LedgerHost.Build(Herd.LedgerConnectionString!);
        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
        await WarmUpAsync();
    }

    /// <summary>
    /// Signs in once before any test and opens every tab, with time to spare: the app's first
    /// pages compile their components, load Fluent UI's assets and make the gateway's first calls,
    /// which on a machine busy starting other tests' herds can outlast a test's own wait.
    /// </summary>
    private async Task WarmUpAsync()
    {
        var page = await NewPageAsync();
        var patient = new LocatorWaitForOptions { Timeout = 4 * WebAppPages.TimeoutMs };
        try
        {
            await page.GotoAsync(new Uri(HttpAddress, "/app/sign-in").ToString(), new PageGotoOptions { Timeout = 4 * WebAppPages.TimeoutMs });
            await page.Locator("#key input").WaitForAsync(patient);
            await page.SignInAsync(this, Herd.AdminKey!);
            await page.Locator("main h1.herd-page-title").First.WaitForAsync(patient);
            foreach (var tab in new[] { "prompts", "prompt-lab", "history", "nodes", "queue", "keys" })
            {
                await page.GotoAsync(new Uri(HttpAddress, "/app/" + tab).ToString(), new PageGotoOptions { Timeout = 4 * WebAppPages.TimeoutMs });
                await page.Locator("main h1.herd-page-title").First.WaitForAsync(patient);
            }
        }
        catch (Exception error) when (error is PlaywrightException or TimeoutException)
        {
            // Only a warm-up: each test waits for what it needs and says what did not come.
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    /// <summary>A new key of <paramref name="role"/>, as the text a person pastes into the sign-in page.</summary>
    internal async Task<string> KeyAsync(string role, string? name = null) =>
        (await Keys.CreateAsync(name ?? $"web app test key of role {role}", role, expiresAt: null)).Secret;

    /// <summary>A new page of its own browser context (its own session storage), 1280x800.</summary>
    internal async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_ledger is not null)
        {
            await _ledger.DisposeAsync();
        }

        if (_herd is not null)
        {
            await _herd.DisposeAsync();
        }

        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
