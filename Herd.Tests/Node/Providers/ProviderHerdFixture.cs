using System.Globalization;
using Grpc.Core;
using Herd.Gateway.Access.Keys;
using Herd.Gateway.Ledger;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Herd.Tests.Node.Providers;

/// <summary>
/// Two herds. Herd B is "the provider": a gateway with access control, one herd-tiny node, and
/// one node serving a copy of herd-tiny (<see cref="SlowModel"/>) at 20 tokens/s, whose
/// OpenAI-compatible HTTP API the provider nodes call. Herd A has a gateway with access
/// control, one local herd-tiny node with one slot (20 tokens/s, so one long answer keeps it busy),
/// and provider nodes pointed at herd B, each serving one herd name for herd B's herd-tiny:
/// <list type="bullet">
/// <item><see cref="Remote"/> and <see cref="Slow"/>: a good key (read from an environment variable), node group team-a; <see cref="Remote"/> is the fallback of herd-tiny and of <see cref="Nodeless"/>, which no node serves.</item>
/// <item><see cref="Limited"/>: a key of a role allowed one request an hour.</item>
/// <item><see cref="Locked"/>: a key herd B does not know.</item>
/// <item><see cref="Down"/>: an address where nothing listens.</item>
/// </list>
/// </summary>
public sealed class ProviderHerdFixture : IAsyncLifetime
{
    public const string Remote = "remote-tiny";
    public const string Slow = "slow-remote";
    public const string Limited = "limited-tiny";
    public const string Locked = "locked-tiny";
    public const string Down = "down-tiny";

    /// <summary>A model no node of herd A serves, whose fallback is <see cref="Remote"/>.</summary>
    public const string Nodeless = "nodeless-tiny";
    public const string RemoteNodeId = "node-1";
    public const string LockedNodeId = "node-3";

    /// <summary>Herd A's queue wait: a job no node may take ends after it.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    private const string ProviderRoles = """
        roles:
          admin:
            allow_methods: ["*"]
          caller:
            allow_methods: ["http/*"]
          once:
            allow_methods: ["http/*"]
            limits:
              - { requests: 1, per: 1h }
        """;

    private const string HerdRoles = """
        roles:
          admin:
            allow_methods: ["*"]
          team-a:
            allow_methods: ["herd.v1.Completions/*"]
            allow_node_groups: ["team-a"]
          team-b:
            allow_methods: ["herd.v1.Completions/*"]
            allow_node_groups: ["team-b"]
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("herd-provider-").FullName;
    private TestHerd? _provider;
    private TestHerd? _herd;
    private LedgerHost? _herdLedger;
    private LedgerHost? _providerLedger;

    /// <summary>Herd B, the provider.</summary>
    internal TestHerd Provider => _provider ?? throw new InvalidOperationException("The herds have not started.");

    /// <summary>Herd A, whose provider nodes call herd B.</summary>
    internal TestHerd Herd => _herd ?? throw new InvalidOperationException("The herds have not started.");

    /// <summary>Herd B's name of the model herd A serves as <see cref="Slow"/>: a folder with herd-tiny's files.</summary>
    public string SlowModel => Path.Combine(_folder, "slow-tiny");

    /// <summary>The node of herd A that serves <see cref="Locked"/>, whose output tells of its configuration error.</summary>
    internal ChildProcess LockedNode => Herd.Nodes[3] ?? throw new InvalidOperationException("The node has not started.");

    public async Task InitializeAsync()
    {
        var providerRoles = Path.Combine(_folder, "provider-roles.yaml");
        var herdRoles = Path.Combine(_folder, "herd-roles.yaml");
        await File.WriteAllTextAsync(providerRoles, ProviderRoles);
        await File.WriteAllTextAsync(herdRoles, HerdRoles);
        var starting = TestHerd.StartAsync(1, 1, new Dictionary<string, string> { ["Herd__Gateway__Access__RolesFile"] = providerRoles }, withAccess: true);
        _herd = await TestHerd.StartAsync(
            gateways: 1,
            nodes: 1,
            gatewaySettings: new Dictionary<string, string>
            {
                ["Herd__Gateway__Access__RolesFile"] = herdRoles,
                ["Herd__Gateway__Queue__MaxWait"] = MaxWait.ToString("c", CultureInfo.InvariantCulture),
                [$"Herd__Gateway__Fallbacks__{TestHerd.Model}__Model"] = Remote,
                [$"Herd__Gateway__Fallbacks__{TestHerd.Model}__After"] = "00:00:01",
                [$"Herd__Gateway__Fallbacks__{Nodeless}__Model"] = Remote,
                [$"Herd__Gateway__Fallbacks__{Nodeless}__After"] = "00:00:01",
            },
            nodeSettings: new Dictionary<string, string>
            {
                ["Herd__Node__Engine__MaxSequences"] = "1",
                ["Herd__Node__Engine__SyntheticTokensPerSecond"] = "20",
            },
            withAccess: true);
        _provider = await starting;
        _herdLedger = LedgerHost.Build(Herd.LedgerConnectionString!);
        _providerLedger = LedgerHost.Build(Provider.LedgerConnectionString!);
        TestHerd.CopyModelTo(SlowModel);
        Provider.Nodes.Add(Provider.StartNode(1, new Dictionary<string, string>
        {
            ["Herd__Node__Model"] = SlowModel,
            ["Herd__Node__Engine__SyntheticTokensPerSecond"] = "20",
        }));

        var keys = _providerLedger.Services.GetRequiredService<ApiKeyStore>();
        var good = (await keys.CreateAsync("herd A's provider nodes", "caller")).Secret;
        var once = (await keys.CreateAsync("herd A's limited provider node", "once")).Secret;
        var providerUrl = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Provider.Gateways[0].HttpPort}/v1");
        var nowhere = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreePort.Next()}/v1");
        Herd.Nodes.Add(Herd.StartNode(1, ProviderNode(providerUrl, Remote, ($"Herd__Node__Provider__Models__{Slow}", SlowModel), ("Herd__Node__Provider__ApiKeyVariable", "HERD_PROVIDER_KEY"), ("HERD_PROVIDER_KEY", good), ("Herd__Node__Group", "team-a"))));
        Herd.Nodes.Add(Herd.StartNode(2, ProviderNode(providerUrl, Limited, ("Herd__Node__Provider__ApiKey", once))));
        Herd.Nodes.Add(Herd.StartNode(3, ProviderNode(providerUrl, Locked, ("Herd__Node__Provider__ApiKey", "herd-not-a-key"))));
        Herd.Nodes.Add(Herd.StartNode(4, ProviderNode(nowhere, Down, ("Herd__Node__Provider__ApiKey", good))));
        foreach (var model in new[] { Remote, Limited, Locked, Down })
        {
            await Herd.WaitUntilServedAsync(1, model);
        }

        await Provider.WaitUntilServedAsync(1, SlowModel);
    }

    /// <summary>What herd B's ledger recorded of the requests for <paramref name="model"/>.</summary>
    internal async Task<List<UsageRecord>> ProviderRecordsAsync(string model)
    {
        await using var ledger = _providerLedger!.CreateContext();
        return await ledger.Usage.AsNoTracking().Where(record => record.Model == model).ToListAsync();
    }

    /// <summary>A new key of herd A's <paramref name="role"/>.</summary>
    internal async Task<Metadata> HerdKeyAsync(string role) =>
        Herd.KeyHeaders((await _herdLedger!.Services.GetRequiredService<ApiKeyStore>().CreateAsync($"provider test key of role {role}", role)).Secret);

    public async Task DisposeAsync()
    {
        if (_herdLedger is not null)
        {
            await _herdLedger.DisposeAsync();
        }

        if (_providerLedger is not null)
        {
            await _providerLedger.DisposeAsync();
        }

        if (_herd is not null)
        {
            await _herd.DisposeAsync();
        }

        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A provider node's settings: herd B's herd-tiny served as <paramref name="herdName"/>.</summary>
    private static Dictionary<string, string> ProviderNode(string baseUrl, string herdName, params (string Name, string Value)[] more)
    {
        var settings = new Dictionary<string, string>
        {
            ["Herd__Node__Provider__BaseUrl"] = baseUrl,
            [$"Herd__Node__Provider__Models__{herdName}"] = TestHerd.Model,
            ["Herd__Node__Provider__Concurrency"] = "4",
        };
        foreach (var (name, value) in more)
        {
            settings[name] = value;
        }

        return settings;
    }
}
