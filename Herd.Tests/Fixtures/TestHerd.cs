using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Herd.AppHost.Lifecycle;
using Herd.Contracts.V1;

namespace Herd.Tests.Fixtures;

/// <summary>
/// A whole herd as real processes for a test: a private Redis (append-only), gateway replicas
/// and nodes serving <c>herd-tiny</c>, node i linked to gateway i mod gateways. Dispose stops all.
/// </summary>
internal sealed class TestHerd : IAsyncDisposable
{
    public const string Model = "herd-tiny";
    /// <summary>
    /// The node secret of the herd whose Redis this is. Each herd has its own, so that a node of
    /// one herd still reconnecting to a port another herd's gateway has since taken is refused
    /// there instead of serving that herd's jobs.
    /// </summary>
    public static string SecretFor(string redisConnection) => "test-node-secret-" + redisConnection.Replace(':', '-');

    private readonly string _modelCache;
    private readonly IReadOnlyDictionary<string, string> _nodeSettings;

    private TestHerd(RedisServer redis, string modelCache, IReadOnlyDictionary<string, string> nodeSettings, IReadOnlyList<string>? nodeGroups)
    {
        Redis = redis;
        _modelCache = modelCache;
        _nodeSettings = nodeSettings;
        _nodeGroups = nodeGroups ?? [];
    }

    private readonly IReadOnlyList<string> _nodeGroups;

    public RedisServer Redis { get; }

    /// <summary>The ledger's PostgreSQL, when the herd was started with access control.</summary>
    public PostgresServer? Postgres { get; private set; }

    /// <summary>The ledger's database, when the herd was started with access control.</summary>
    public string? LedgerConnectionString { get; private set; }

    /// <summary>An admin key the gateways wrote at start (their bootstrap key), when the herd was started with access control.</summary>
    public string? AdminKey { get; private set; }

    /// <summary>Metadata that presents <paramref name="key"/> (the admin key by default).</summary>
    public Metadata KeyHeaders(string? key = null) =>
        AdminKey is null && key is null ? [] : new Metadata { { "authorization", "Bearer " + (key ?? AdminKey) } };

    public List<GatewayProcess> Gateways { get; } = [];

    public List<ChildProcess?> Nodes { get; } = [];

    /// <param name="gatewaySettings">extra configuration for every gateway (<c>Herd__Gateway__...</c>)</param>
    /// <param name="nodeSettings">extra configuration for every node (<c>Herd__Node__...</c>)</param>
    /// <param name="withAccess">
    /// true: a private PostgreSQL holds the ledger, the gateways check keys, and <see cref="AdminKey"/>
    /// is the key they wrote at start; false: access control is off
    /// </param>
    /// <param name="nodeGroups">node i's group (<c>Herd:Node:Group</c>); nodes beyond the list keep the default</param>
    public static async Task<TestHerd> StartAsync(
        int gateways,
        int nodes,
        IReadOnlyDictionary<string, string>? gatewaySettings = null,
        IReadOnlyDictionary<string, string>? nodeSettings = null,
        bool withAccess = false,
        IReadOnlyList<string>? nodeGroups = null)
    {
        var redis = await RedisServer.StartAsync(appendOnly: true);
        var herd = new TestHerd(redis, SharedModelCache.Value, nodeSettings ?? new Dictionary<string, string>(), nodeGroups);
        try
        {
            var settings = new Dictionary<string, string>();
            var bootstrapKeyFile = Path.Combine(Path.GetTempPath(), $"herd-admin-{Guid.NewGuid():N}.key");
            if (withAccess)
            {
                herd.Postgres = await PostgresServer.StartAsync();
                herd.LedgerConnectionString = await herd.Postgres.CreateDatabaseAsync("herd");
                settings[GatewayProcess.LedgerConnection] = herd.LedgerConnectionString;
                settings["Herd__Gateway__Access__BootstrapKeyFile"] = bootstrapKeyFile;
            }

            foreach (var (name, value) in gatewaySettings ?? new Dictionary<string, string>())
            {
                settings[name] = value;
            }

            for (var i = 0; i < gateways; i++)
            {
                herd.Gateways.Add(GatewayProcess.Start($"gateway-{i}", redis.ConnectionString, settings));
            }

            await Task.WhenAll(herd.Gateways.Select(gateway => gateway.Process.WaitUntilStartedAsync()));
            if (withAccess)
            {
                herd.AdminKey = await ReadBootstrapKeyAsync(bootstrapKeyFile);
            }

            for (var i = 0; i < nodes; i++)
            {
                herd.Nodes.Add(herd.StartNode(i));
            }

            if (nodes > 0)
            {
                await herd.WaitUntilServedAsync(nodes);
            }

            return herd;
        }
        catch
        {
            await herd.DisposeAsync();
            throw;
        }
    }

    /// <param name="index">the node's number: its id is node-<paramref name="index"/>, and it links to gateway <paramref name="index"/> modulo their count</param>
    /// <param name="settings">configuration of this node only, over the herd's (<c>Herd__Node__Model</c> for another model)</param>
    public ChildProcess StartNode(int index, IReadOnlyDictionary<string, string>? settings = null)
    {
        var gateway = Gateways[index % Gateways.Count];
        var environment = new Dictionary<string, string>
        {
            ["HERD_MODEL_CACHE"] = _modelCache,
            ["Herd__Node__NodeId"] = $"node-{index}",
            ["Herd__Node__Model"] = Model,
            ["Herd__Node__Threads"] = "1",
            ["Herd__Node__Gateways__0"] = gateway.GrpcUrl,
            ["HERD_NODE_SECRET"] = SecretFor(Redis.ConnectionString),
            ["Herd__Node__ReconnectMaxDelay"] = "00:00:01",
            ["Kestrel__Endpoints__Http__Url"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreePort.Next()}"),
        };
        if (index < _nodeGroups.Count)
        {
            environment["Herd__Node__Group"] = _nodeGroups[index];
        }

        foreach (var (name, value) in _nodeSettings.Concat(settings ?? new Dictionary<string, string>()))
        {
            environment[name] = value;
        }

        return HerdService.Start("Herd.Node", [], environment);
    }

    /// <summary>Waits until the herd lists <paramref name="nodes"/> ready nodes serving <paramref name="model"/> (<see cref="Model"/> by default).</summary>
    public async Task WaitUntilServedAsync(int nodes, string model = Model)
    {
        var catalog = new Catalog.CatalogClient(Gateways[0].Channel);
        var deadline = DateTime.UtcNow + HerdService.StartTimeout;
        while (true)
        {
            var models = await catalog.ListModelsAsync(new ListModelsRequest(), KeyHeaders());
            if (models.Models.FirstOrDefault(served => served.Name == model)?.Nodes == nodes)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The herd did not list {nodes} nodes serving {model} in time. Node output:\n{string.Join("\n---\n", Nodes.Select(node => node?.Output))}\nGateway output:\n{string.Join("\n---\n", Gateways.Select(gateway => gateway.Process.Output))}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Every process is stopped even if stopping one fails: a herd left running would load
        // the machine for the rest of the test run.
        var failures = new List<Exception>();
        var disposables = Nodes.OfType<IAsyncDisposable>().Concat(Gateways).Append(Redis).Concat(Postgres is null ? [] : [Postgres]);
        foreach (var disposable in disposables)
        {
            try
            {
                await disposable.DisposeAsync();
            }
            catch (Exception exception) when (exception is InvalidOperationException or IOException or TimeoutException)
            {
                failures.Add(exception);
            }
        }

        if (failures.Count > 0)
        {
            throw new AggregateException("Stopping the test herd failed.", failures);
        }
    }

    /// <summary>The key one of the gateways wrote: the file appears empty and the key follows, with a newline.</summary>
    private static async Task<string> ReadBootstrapKeyAsync(string path)
    {
        var key = await BootstrapKeyFile.ReadAsync(path, HerdService.StartTimeout)
            ?? throw new TimeoutException($"No gateway wrote its bootstrap key to {path} in time.");
        File.Delete(path);
        return key;
    }

    /// <summary>The test run's model cache, for nodes started outside a herd.</summary>
    public static string ModelCache => SharedModelCache.Value;

    // One model cache per test run: nodes generate herd-tiny into it once.
    private static readonly Lazy<string> SharedModelCache = new(() => Directory.CreateTempSubdirectory("herd-test-models-").FullName);
}

/// <summary>A gateway process with its ports and a channel to its gRPC endpoint.</summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    public const string LedgerConnection = "ConnectionStrings__ledger";

    private GatewayProcess(ChildProcess process, int grpcPort, int httpPort)
    {
        Process = process;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
        Channel = GrpcChannel.ForAddress(GrpcUrl);
    }

    public ChildProcess Process { get; }

    public int GrpcPort { get; }

    public int HttpPort { get; }

    public string GrpcUrl => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{GrpcPort}");

    public GrpcChannel Channel { get; }

    public Completions.CompletionsClient Completions => new(Channel);

    /// <param name="settings">extra configuration; with <c>ConnectionStrings__ledger</c> among it access control is on, otherwise off</param>
    public static GatewayProcess Start(string gatewayId, string redisConnection, IReadOnlyDictionary<string, string>? settings = null, int? grpcPort = null)
    {
        var (grpc, http) = (grpcPort ?? FreePort.Next(), FreePort.Next());
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = redisConnection,
            ["HERD_NODE_SECRET"] = TestHerd.SecretFor(redisConnection),
            ["Herd__Gateway__GatewayId"] = gatewayId,
            ["Kestrel__Endpoints__Grpc__Url"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{grpc}"),
            ["Kestrel__Endpoints__Http__Url"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{http}"),
        };
        settings ??= new Dictionary<string, string>();
        if (!settings.ContainsKey(LedgerConnection))
        {
            // The mesh's own tests need no keys and no PostgreSQL.
            environment["Herd__Gateway__Access__Enabled"] = "false";
        }

        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        return new GatewayProcess(HerdService.Start("Herd.Gateway", [], environment), grpc, http);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Process.DisposeAsync();
    }
}
