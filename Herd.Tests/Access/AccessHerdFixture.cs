using System.Globalization;
using Grpc.Core;
using Herd.Gateway.Access.Keys;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using Microsoft.Extensions.DependencyInjection;

namespace Herd.Tests.Access;

/// <summary>
/// Two gateways with access control on and two nodes, node-1 in node group <c>team-a</c>, shared
/// by the tests of <see cref="AccessTests"/>. The roles file is the one in <see cref="Roles"/>.
/// </summary>
public sealed class AccessHerdFixture : IAsyncLifetime
{
    public const string TeamGroup = "team-a";

    /// <summary>The roles the tests use; each test makes keys of its own.</summary>
    public const string Roles = """
        roles:
          admin:
            allow_methods: ["*"]
          user:
            allow_methods: ["herd.v1.Completions/*", "herd.v1.Catalog/*"]
            max_priority: 10
          reader:
            allow_methods: ["herd.v1.Catalog/*"]
          llama-only:
            allow_models: ["llama-*"]
            allow_methods: ["herd.v1.Completions/*"]
          team:
            allow_node_groups: ["team-*"]
            allow_methods: ["herd.v1.Completions/*"]
          nowhere:
            allow_node_groups: ["no-such-group"]
            allow_methods: ["herd.v1.Completions/*"]
          hourly:
            allow_methods: ["herd.v1.Completions/*"]
            limits:
              - { requests: 3, per: 1h }
              - { requests: 10, per: 1d }
          daily:
            allow_methods: ["herd.v1.Completions/*"]
            limits:
              - { requests: 10, per: 1h }
              - { requests: 2, per: 1d }
          brief:
            allow_methods: ["herd.v1.Completions/*"]
            limits:
              - { requests: 2, per: 2s }
          metered:
            allow_methods: ["herd.v1.Completions/*"]
            limits:
              - { tokens: 100000, per: 1h }
          budgeted:
            allow_methods: ["herd.v1.Completions/*", "herd.v1.Account/*"]
            max_priority: 20
            limits:
              - { requests: 5, per: 1h }
              - { tokens: 100000, per: 1d }
            budget: 3.5
        """;

    /// <summary>What every request for the test model costs at priority 0, whatever its tokens.</summary>
    public const decimal FeePerRequest = 1m;

    private TestHerd? _herd;
    private LedgerHost? _ledger;
    private string? _rolesFolder;

    internal TestHerd Herd => _herd ?? throw new InvalidOperationException("The herd has not started.");

    internal LedgerHost Ledger => _ledger ?? throw new InvalidOperationException("The herd has not started.");

    internal ApiKeyStore Keys => (_ledger ?? throw new InvalidOperationException("The herd has not started.")).Services.GetRequiredService<ApiKeyStore>();

    public async Task InitializeAsync()
    {
        _rolesFolder = Directory.CreateTempSubdirectory("herd-access-roles-").FullName;
        var rolesFile = Path.Combine(_rolesFolder, "roles.yaml");
        await File.WriteAllTextAsync(rolesFile, Roles);
        _herd = await TestHerd.StartAsync(
            gateways: 2,
            nodes: 2,
            gatewaySettings: new Dictionary<string, string>
            {
                ["Herd__Gateway__Access__RolesFile"] = rolesFile,
                ["Herd__Gateway__Access__KeyCacheTtl"] = "00:00:00.200",
                ["Herd__Gateway__Queue__MaxWait"] = "00:00:02",
                [$"Herd__Gateway__Fees__Models__{TestHerd.Model}__PerRequest"] = FeePerRequest.ToString(CultureInfo.InvariantCulture),
                ["Herd__Gateway__Fees__Currency"] = "tokens-of-trust",
            },
            withAccess: true,
            nodeGroups: ["default", TeamGroup]);
        _ledger = LedgerHost.Build(Herd.LedgerConnectionString!);
    }

    /// <summary>A new key of <paramref name="role"/> for one test, as the text a client presents.</summary>
    internal async Task<string> KeyAsync(string role, DateTimeOffset? expiresAt = null) =>
        (await Keys.CreateAsync($"test key of role {role}", role, expiresAt)).Secret;

    internal static Metadata Bearer(string key) => new() { { "authorization", "Bearer " + key } };

    public async Task DisposeAsync()
    {
        if (_ledger is not null)
        {
            await _ledger.DisposeAsync();
        }

        if (_herd is not null)
        {
            await _herd.DisposeAsync();
        }

        if (_rolesFolder is not null)
        {
            Directory.Delete(_rolesFolder, recursive: true);
        }
    }
}
