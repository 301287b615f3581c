using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Access.Keys;
using Herd.Gateway.Ledger;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Herd.Tests.Gateway.Prompts;

/// <summary>
/// A herd with access control on, seeded from a prompts file of the fixture's own, with two node
/// models: node-0 serves herd-tiny, node-1 herd-bench. Roles: admin (everything), engineer
/// (publishes and calls on dev and test), user (lists and calls prod).
/// </summary>
public sealed class PromptHerdFixture : IAsyncLifetime
{
    public const string BenchModel = "herd-bench";

    public const string Roles = """
        roles:
          admin:
            allow_methods: ["*"]
          engineer:
            allow_methods: ["herd.v1.Completions/*", "herd.v1.Prompts/*", "herd.v1.History/*", "http/*"]
            allow_prompts: ["*@dev", "*@test"]
          user:
            allow_methods: ["herd.v1.Completions/*", "herd.v1.Prompts/ListPrompts", "herd.v1.Prompts/GetPrompt", "herd.v1.History/*", "http/*"]
            allow_prompts: ["*@prod"]
        """;

    /// <summary>The seed file: prompts on herd-tiny, one on herd-bench, and two chains, one of whose second step has no node.</summary>
    public const string Seed = """
        welcome:
          name: Welcome
          description: Greets someone, in a mood.
          target_models: [herd-tiny]
          version: "1.0"
          variables:
            - name: world
            - mood: glad
          prompt: "Dear {{name}}, we are {{mood}}."
          param: { temperature: 0, max_tokens: 4 }
        on_bench:
          name: On the bench model
          target_models: [herd-bench, herd-tiny]
          variables:
            - topic: queues
          prompt: "About {{topic}}:"
          param: { temperature: 0, max_tokens: 2 }
        reply:
          name: Reply
          target_models: [herd-tiny]
          variables:
            - greeting: hello
          prompt: "Reply to: {{greeting}}"
          param: { temperature: 0, max_tokens: 3 }
        nowhere:
          name: Runs on no node
          target_models: [no-such-model]
          variables:
            - greeting: hello
          prompt: "Nobody reads {{greeting}}"
        welcome_reply:
          name: Welcome, then reply
          steps:
            - { prompt: welcome, output: greeting }
            - prompt: reply
        broken_chain:
          name: Its second step has no node
          steps:
            - { prompt: welcome, output: greeting }
            - prompt: nowhere
        """;

    private TestHerd? _herd;
    private LedgerHost? _ledger;
    private string? _folder;

    internal TestHerd Herd => _herd ?? throw new InvalidOperationException("The herd has not started.");

    internal LedgerHost Ledger => _ledger ?? throw new InvalidOperationException("The herd has not started.");

    internal Contracts.V1.Completions.CompletionsClient Completions => Herd.Gateways[0].Completions;

    internal Contracts.V1.Prompts.PromptsClient Prompts => new(Herd.Gateways[0].Channel);

    public async Task InitializeAsync()
    {
        _folder = Directory.CreateTempSubdirectory("herd-prompts-").FullName;
        var rolesFile = Path.Combine(_folder, "roles.yaml");
        var seedFile = Path.Combine(_folder, "prompts.yaml");
        await File.WriteAllTextAsync(rolesFile, Roles);
        await File.WriteAllTextAsync(seedFile, Seed);
        _herd = await TestHerd.StartAsync(
            gateways: 1,
            nodes: 1,
            gatewaySettings: new Dictionary<string, string>
            {
                ["Herd__Gateway__Access__RolesFile"] = rolesFile,
                ["Herd__Gateway__Prompts__SeedFile"] = seedFile,
                ["Herd__Gateway__Queue__MaxWait"] = "00:00:05",
            },
            withAccess: true);
        Herd.Nodes.Add(Herd.StartNode(1, new Dictionary<string, string> { ["Herd__Node__Model"] = BenchModel }));
        await Herd.WaitUntilServedAsync(1, BenchModel);
        _ledger = LedgerHost.Build(Herd.LedgerConnectionString!);
        await WaitUntilSeededAsync();
    }

    /// <summary>A new key of <paramref name="role"/>, which keeps history.</summary>
    internal async Task<Metadata> KeyAsync(string role) =>
        Herd.KeyHeaders((await Ledger.Services.GetRequiredService<ApiKeyStore>().CreateAsync($"prompt test key of role {role}", role)).Secret);

    internal async Task<string> SecretAsync(string role) =>
        (await Ledger.Services.GetRequiredService<ApiKeyStore>().CreateAsync($"prompt test key of role {role}", role)).Secret;

    /// <summary>The usage records that match, once there are <paramref name="count"/> of them (the outbox lands them a moment after the answer).</summary>
    internal async Task<IReadOnlyList<UsageRecord>> RecordsAsync(Func<UsageRecord, bool> match, int count = 1)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await using var ledger = Ledger.CreateContext();
            var records = (await ledger.Usage.AsNoTracking().ToListAsync()).Where(match).OrderBy(record => record.ReceivedAt).ToList();
            if (records.Count >= count)
            {
                return records;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{records.Count} of {count} usage records within 30 s.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The prompt text the ledger kept for a request.</summary>
    internal async Task<Herd.Gateway.Ledger.HistoryEntry> HistoryAsync(string requestId)
    {
        await RecordsAsync(record => record.RequestId == requestId);
        await using var ledger = Ledger.CreateContext();
        return await ledger.History.AsNoTracking().SingleAsync(entry => entry.RequestId == requestId);
    }

    private async Task WaitUntilSeededAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            await using var ledger = Ledger.CreateContext();
            if (await ledger.PromptVersions.CountAsync() >= 6)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The gateway did not seed its prompts within 60 s:\n" + Herd.Gateways[0].Process.Output);
            }

            await Task.Delay(100);
        }
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
