using System.Globalization;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Herd.Contracts.V1;
using Herd.Gateway;
using Herd.Gateway.Access.Keys;
using Herd.Gateway.Ledger;
using Herd.Gateway.Queue;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herd.Tests.Fixtures;

/// <summary>
/// The whole gateway (<see cref="GatewayExtensions.AddGateway"/>/<see cref="GatewayExtensions.MapGateway"/>)
/// with access control on, in the test process, on a real loopback port with HTTP/2 cleartext:
/// a ledger database of its own, the shared test Redis under a prefix of its own, the roles file
/// <see cref="Roles"/> and an admin key made through the key store.
/// </summary>
internal sealed class AccessGatewayHost : IAsyncDisposable
{
    /// <summary>An admin who may call anything and a user who may use completions, the catalog and its own history.</summary>
    public const string Roles = """
        roles:
          admin:
            allow_methods: ["*"]
          user:
            allow_methods: ["herd.v1.Completions/*", "herd.v1.Catalog/*", "herd.v1.History/*"]
        """;

    private readonly WebApplication _app;
    private readonly string _contentRoot;
    private readonly GrpcChannel _channel;

    /// <summary>The secret a node presents to link to this gateway.</summary>
    public const string NodeSecret = "access-test-secret";

    private AccessGatewayHost(WebApplication app, string contentRoot, int port, string ledgerConnectionString, string adminKey)
    {
        Url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
        _app = app;
        _contentRoot = contentRoot;
        LedgerConnectionString = ledgerConnectionString;
        AdminKey = adminKey;
        _channel = GrpcChannel.ForAddress(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        Keys = new Keys.KeysClient(_channel);
        Usage = new UsageReports.UsageReportsClient(_channel);
        History = new Contracts.V1.History.HistoryClient(_channel);
    }

    public string LedgerConnectionString { get; }

    /// <summary>The gateway's gRPC address, for clients and nodes.</summary>
    public string Url { get; }

    /// <summary>A channel to the gateway, for the clients a test makes.</summary>
    public GrpcChannel Channel => _channel;

    /// <summary>The whole text of an admin key, as a client presents it.</summary>
    public string AdminKey { get; }

    public string AdminKeyId => KeyId(AdminKey);

    public Keys.KeysClient Keys { get; }

    public UsageReports.UsageReportsClient Usage { get; }

    public Contracts.V1.History.HistoryClient History { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="ledgerConnectionString">The ledger's database; null for a new one on <see cref="ServersFixture.Postgres"/>.</param>
    /// <param name="time">The gateway's clock for keys (creation, expiry); null for the system's.</param>
    /// <param name="roles">The roles file; null for <see cref="Roles"/>.</param>
    public static async Task<AccessGatewayHost> StartAsync(ServersFixture servers, string? ledgerConnectionString = null, TimeProvider? time = null, string? roles = null)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var ledger = ledgerConnectionString ?? await servers.Postgres.CreateDatabaseAsync($"ledger_{Guid.NewGuid():N}");
        var port = FreePort.Next();
        // An empty content root: no appsettings.json, so no endpoints but the one below.
        var contentRoot = Directory.CreateTempSubdirectory("herd-access-gateway-").FullName;
        var rolesFile = Path.Combine(contentRoot, "roles.yaml");
        await File.WriteAllTextAsync(rolesFile, roles ?? Roles);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "Herd.Gateway", ContentRootPath = contentRoot });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{QueueExtensions.RedisConnectionName}"] = servers.Redis.ConnectionString,
            [$"ConnectionStrings:{LedgerExtensions.LedgerConnectionName}"] = ledger,
            ["Herd:Gateway:GatewayId"] = "access-gateway-under-test",
            ["Herd:Gateway:NodeSecret"] = NodeSecret,
            ["Herd:Gateway:Queue:KeyPrefix"] = $"access-test-{Guid.NewGuid():N}:",
            ["Herd:Gateway:Access:RolesFile"] = rolesFile,
            // Long enough that a key is verified from the cache within a test: a revocation must still take effect at once.
            ["Herd:Gateway:Access:KeyCacheTtl"] = "00:05:00",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.AddGateway();
        var app = builder.Build();
        app.MapGateway();
        try
        {
            await app.StartAsync();
            await app.Services.GetRequiredService<LedgerMigrator>().Migrated.WaitAsync(TimeSpan.FromSeconds(60));
            var admin = await app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("test admin", "admin");
            return new AccessGatewayHost(app, contentRoot, port, ledger, admin.Secret);
        }
        catch
        {
            await app.DisposeAsync();
            Directory.Delete(contentRoot, recursive: true);
            throw;
        }
    }

    /// <summary>The key id of a key's whole text, <c>herd_&lt;key id&gt;_&lt;secret&gt;</c>.</summary>
    public static string KeyId(string key) => key.Substring(ApiKeySecret.Prefix.Length, ApiKeySecret.KeyIdLength);

    public static Metadata Bearer(string key) => new() { { "authorization", "Bearer " + key } };

    /// <summary>A key made straight in the store, as an operator's seed would.</summary>
    public async Task<string> KeyAsync(string role, bool historyOptOut = false) =>
        (await Services.GetRequiredService<ApiKeyStore>().CreateAsync($"test {role}", role, historyOptOut: historyOptOut)).Secret;

    public LedgerDbContext CreateLedgerContext() => Services.GetRequiredService<IDbContextFactory<LedgerDbContext>>().CreateDbContext();

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_contentRoot, recursive: true);
    }
}
