using Herd.Gateway.Access.Keys;
using Herd.Gateway.Api.Http.Dashboard;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Herd.Tests.Gateway.Dashboard;

/// <summary>
/// A gateway with access control on and two nodes, and Debian's Chromium driven by Playwright,
/// shared by <see cref="DashboardTests"/>. Roles: admin (everything), watcher (the dashboard
/// without others' prompts) and user (completions only).
/// </summary>
public sealed class DashboardHerdFixture : IAsyncLifetime
{
    public const string Roles = $$"""
        roles:
          admin:
            allow_methods: ["*"]
          watcher:
            allow_methods: ["{{DashboardPermissions.View}}"]
          user:
            allow_methods: ["herd.v1.Completions/*"]
        """;

    private TestHerd? _herd;
    private LedgerHost? _ledger;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string? _folder;

    internal TestHerd Herd => _herd ?? throw new InvalidOperationException("The herd has not started.");

    internal IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    /// <summary>The gateway's HTTP/1 address, where /health and /dashboard are.</summary>
    internal Uri HttpAddress => new($"http://127.0.0.1:{Herd.Gateways[0].HttpPort}");

    /// <summary>A folder of this fixture's own, removed at the end, for screenshots and the browser's profile.</summary>
    internal string Folder => _folder ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync()
    {
        _folder = Directory.CreateTempSubdirectory("herd-dashboard-").FullName;
        var rolesFile = Path.Combine(_folder, "roles.yaml");
        await File.WriteAllTextAsync(rolesFile, Roles);
        _herd = await TestHerd.StartAsync(
            gateways: 1,
            nodes: 2,
            gatewaySettings: new Dictionary<string, string> { ["Herd__Gateway__Access__RolesFile"] = rolesFile },
            withAccess: true);
        _ledger = LedgerHost.Build(Herd.LedgerConnectionString!);
        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    /// <summary>A new key of <paramref name="role"/>, as the text a person pastes into the page.</summary>
    internal async Task<string> KeyAsync(string role)
    {
        var keys = (_ledger ?? throw new InvalidOperationException("The herd has not started.")).Services.GetRequiredService<ApiKeyStore>();
        return (await keys.CreateAsync($"dashboard test key of role {role}", role, expiresAt: null)).Secret;
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
