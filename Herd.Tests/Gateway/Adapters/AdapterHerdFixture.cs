using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Access.Keys;
using Herd.Gateway.Ledger;
using Herd.Node.Adapters;
using Herd.Node.Experts;
using Herd.Node.Model;
using Herd.Node.Model.Lora;
using Herd.Node.Models;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using Herd.Tests.Node.Adapters;
using Herd.Tests.Node.Serving;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herd.Tests.Gateway.Adapters;

/// <summary>
/// A herd with access control on, two gateways, whose one node (linked to the first gateway only)
/// serves herd-tiny with LoRA adapters written by
/// the node's own PEFT writer: <see cref="Style"/>, named only, and one adapter per kind of
/// <see cref="ServedModelAdapterTests.Samples"/>, each the adapter of the expert of that kind
/// (expert <c>code</c> runs adapter <c>adapter-code</c>). Roles: admin (everything), caller
/// (completions, history and HTTP, every expert), coder (only the code and reasoning experts and
/// the code adapter), closed (no adapter or expert).
/// </summary>
public sealed class AdapterHerdFixture : IAsyncLifetime
{
    public const string Model = TestHerd.Model;

    /// <summary>An adapter no expert runs.</summary>
    public const string Style = "style";

    public const string Roles = """
        roles:
          admin:
            allow_methods: ["*"]
          caller:
            allow_methods: ["herd.v1.Completions/*", "herd.v1.History/*", "http/*"]
          coder:
            allow_methods: ["herd.v1.Completions/*", "http/*"]
            allow_experts: ["code", "reasoning", "adapter-code"]
          closed:
            allow_methods: ["herd.v1.Completions/*", "http/*"]
            allow_experts: []
        """;

    private TestHerd? _herd;
    private LedgerHost? _ledger;
    private string? _folder;

    internal TestHerd Herd => _herd ?? throw new InvalidOperationException("The herd has not started.");

    internal LedgerHost Ledger => _ledger ?? throw new InvalidOperationException("The herd has not started.");

    internal Contracts.V1.Completions.CompletionsClient Completions => Herd.Gateways[0].Completions;

    /// <summary>The gateway's OpenAI-compatible base URL.</summary>
    internal Uri BaseUrl => new($"http://127.0.0.1:{Herd.Gateways[0].HttpPort}/v1/");

    /// <summary>The name of the adapter the expert of <paramref name="kind"/> runs.</summary>
    public static string AdapterOf(string kind) => "adapter-" + kind;

    public async Task InitializeAsync()
    {
        _folder = Directory.CreateTempSubdirectory("herd-adapter-herd-").FullName;
        var rolesFile = Path.Combine(_folder, "roles.yaml");
        await File.WriteAllTextAsync(rolesFile, Roles);
        var (adapters, experts) = WriteAdaptersAndExperts(_folder);
        _herd = await TestHerd.StartAsync(
            gateways: 2,
            nodes: 1,
            gatewaySettings: new Dictionary<string, string>
            {
                ["Herd__Gateway__Access__RolesFile"] = rolesFile,
                ["Herd__Gateway__Queue__MaxWait"] = "00:00:10",
            },
            nodeSettings: new Dictionary<string, string>
            {
                ["Herd__Node__Adapters__Folder"] = adapters,
                ["Herd__Node__Experts__File"] = experts,
            },
            withAccess: true);
        _ledger = LedgerHost.Build(Herd.LedgerConnectionString!);
    }

    /// <summary>A new key of <paramref name="role"/>, which keeps history.</summary>
    internal async Task<string> KeyAsync(string role) =>
        (await Ledger.Services.GetRequiredService<ApiKeyStore>().CreateAsync($"adapter test key of role {role}", role)).Secret;

    internal static Metadata Bearer(string key) => new() { { "authorization", "Bearer " + key } };

    /// <summary>The request's usage record, once the outbox has landed it (a moment after the answer).</summary>
    internal async Task<UsageRecord> RecordAsync(string requestId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await using var ledger = Ledger.CreateContext();
            if (await ledger.Usage.AsNoTracking().SingleOrDefaultAsync(record => record.RequestId == requestId) is { } record)
            {
                return record;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No usage record of request {requestId} within 30 s.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Writes the adapters as PEFT folders for herd-tiny's shapes, and the experts file, whose
    /// samples route each kind's instructions to its own expert with the node's default embedding.
    /// </summary>
    private static (string Adapters, string Experts) WriteAdaptersAndExperts(string folder)
    {
        var config = ModelConfig.Load(new ModelLocator(TestHerd.ModelCache, NullLogger<ModelLocator>.Instance).Locate(Model));
        var adapters = Path.Combine(folder, "adapters");
        LoraModule[] modules = [LoraModule.QProj, LoraModule.VProj];
        var kinds = ServedModelAdapterTests.Samples.Keys.ToList();
        foreach (var (name, seed) in kinds.Select(AdapterOf).Append(Style).Select((name, i) => (name, 60 + i)))
        {
            PeftAdapter.Save(Path.Combine(adapters, name), new AdapterSettings(2, 2, modules, false, Model), TestAdapters.Matrices(config, 2, modules, seed));
        }

        var experts = Path.Combine(folder, "experts.yaml");
        ExpertFile.Write(experts, [.. ServedModelAdapterTests.Samples.Select(pair => new ExpertDefinition { Name = pair.Key, Adapter = AdapterOf(pair.Key), Samples = [.. pair.Value] })]);
        return (adapters, experts);
    }

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

        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
