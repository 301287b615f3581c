using System.Globalization;
using System.Net.Http.Headers;
using Grpc.Core;
using Herd.Gateway.Access.Keys;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using Microsoft.Extensions.DependencyInjection;

namespace Herd.Tests.Http;

/// <summary>A herd with access control on (one gateway, one node) for the tests of the HTTP door.</summary>
public sealed class HttpHerdFixture : IAsyncLifetime
{
    public const string Roles = """
        roles:
          admin:
            allow_methods: ["*"]
          caller:
            allow_methods: ["http/*", "herd.v1.Completions/*"]
          grpc-only:
            allow_methods: ["herd.v1.Completions/*"]
          llama-only:
            allow_models: ["llama-*"]
            allow_methods: ["http/*"]
          once:
            allow_methods: ["http/*"]
            limits:
              - { requests: 1, per: 1h }
        """;

    private TestHerd? _herd;
    private LedgerHost? _ledger;
    private string? _rolesFolder;

    internal TestHerd Herd => _herd ?? throw new InvalidOperationException("The herd has not started.");

    internal LedgerHost Ledger => _ledger ?? throw new InvalidOperationException("The herd has not started.");

    /// <summary>The gateway's HTTP endpoint (HTTP/1.1).</summary>
    internal Uri BaseUrl => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Herd.Gateways[0].HttpPort}/v1/"));

    public async Task InitializeAsync()
    {
        _rolesFolder = Directory.CreateTempSubdirectory("herd-http-roles-").FullName;
        var rolesFile = Path.Combine(_rolesFolder, "roles.yaml");
        await File.WriteAllTextAsync(rolesFile, Roles);
        _herd = await TestHerd.StartAsync(
            gateways: 1,
            nodes: 1,
            gatewaySettings: new Dictionary<string, string>
            {
                ["Herd__Gateway__Access__RolesFile"] = rolesFile,
                ["Herd__Gateway__Queue__MaxWait"] = "00:00:05",
            },
            withAccess: true);
        _ledger = LedgerHost.Build(Herd.LedgerConnectionString!);
    }

    /// <summary>A new key of <paramref name="role"/> for one test.</summary>
    internal async Task<string> KeyAsync(string role) =>
        (await _ledger!.Services.GetRequiredService<ApiKeyStore>().CreateAsync($"http test key of role {role}", role)).Secret;

    internal static Metadata Bearer(string key) => new() { { "authorization", "Bearer " + key } };

    /// <summary>A client of the HTTP endpoint that sends the key as OpenAI's clients do.</summary>
    internal HttpClient Http(string? key)
    {
        var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromMinutes(2) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
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

        if (_rolesFolder is not null)
        {
            Directory.Delete(_rolesFolder, recursive: true);
        }
    }
}
