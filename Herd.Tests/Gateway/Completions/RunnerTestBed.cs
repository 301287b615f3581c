using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Admission;
using Herd.Gateway.Admission.Fees;
using Herd.Gateway.Admission.Limits;
using Herd.Gateway.Completions;
using Herd.Gateway.Configuration;
using Herd.Gateway.Ledger;
using Herd.Gateway.Nodes.Catalog;
using Herd.Gateway.Nodes.Dispatch;
using Herd.Gateway.Nodes.Links;
using Herd.Gateway.Queue;
using Herd.Gateway.Relay;
using Herd.Gateway.Telemetry;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Fees;
using Herd.Tests.Gateway.Ledger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Tests.Gateway.Completions;

/// <summary>
/// One owner gateway's request path over the shared test Redis, under a key prefix of one test's
/// own: the real queue, mailboxes, relay and catalog, with a node that serves <see cref="Model"/>
/// and <see cref="OtherModel"/> published in the node directory and played (<see cref="Node"/>)
/// behind a second gateway's relay, so that its events reach the runner over Redis.
/// </summary>
internal sealed class RunnerTestBed : IAsyncDisposable
{
    public const string Model = "herd-tiny";
    public const string OtherModel = "herd-small";
    public const int ContextLength = 2048;
    public const string OwnerGatewayId = "gateway-a";
    public const string ServingGatewayId = "gateway-b";

    private readonly List<IAsyncDisposable> _owned = [];
    private readonly Channel<Cancel> _cancelsOnServingGateway = Channel.CreateUnbounded<Cancel>();
    private readonly ConnectionMultiplexer _redis;
    private readonly ServiceProvider _metrics;
    private readonly GatewayTelemetry _telemetry;
    private readonly NodeDirectory _directory;
    private readonly JobRelay _ownerRelay;
    private readonly JobRelay _servingRelay;
    private PlayedNode? _node;

    private RunnerTestBed(ConnectionMultiplexer redis, QueueOptions options)
    {
        _redis = redis;
        _owned.Add(redis);
        QueueOptions = options;
        _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _owned.Add(_metrics);
        _telemetry = new GatewayTelemetry(_metrics.GetRequiredService<IMeterFactory>());
        Queue = new JobQueue(redis, Options.Create(options));
        _directory = new NodeDirectory(redis, Prefix, TimeProvider.System);
        _ownerRelay = new JobRelay(redis, OwnerGatewayId, Prefix, Mailboxes, _ => ValueTask.CompletedTask, NullLogger<JobRelay>.Instance);
        _owned.Add(_ownerRelay);
        _servingRelay = new JobRelay(redis, ServingGatewayId, Prefix, new JobMailboxes(), OnServingGatewayCancel, NullLogger<JobRelay>.Instance);
        _owned.Add(_servingRelay);
    }

    public QueueOptions QueueOptions { get; }

    public string Prefix => QueueOptions.KeyPrefix;

    public IConnectionMultiplexer Redis => _redis;

    public JobQueue Queue { get; }

    /// <summary>The owner gateway's mailboxes, which the runner opens one per job.</summary>
    public JobMailboxes Mailboxes { get; } = new();

    /// <summary>The node serving <see cref="Model"/> and <see cref="OtherModel"/>, linked to the serving gateway.</summary>
    public PlayedNode Node => _node ?? throw new InvalidOperationException("The test bed is not open.");

    /// <summary>The work the runner leaves running after each answer: drain it before reading what was recorded or settled.</summary>
    public CompletionEnds Ends { get; } = new(NullLogger<CompletionEnds>.Instance);

    /// <summary>The cancels that reached the gateway whose node serves the job.</summary>
    public ChannelReader<Cancel> CancelsOnServingGateway => _cancelsOnServingGateway.Reader;

    /// <param name="options">The queue's settings; the key prefix is the bed's own. Without them a job waits at most 30 s, so that a test whose node never answers fails instead of hanging.</param>
    public static async Task<RunnerTestBed> CreateAsync(RedisServer redis, QueueOptions? options = null)
    {
        var queueOptions = (options ?? new QueueOptions { MaxWait = TimeSpan.FromSeconds(30) }) with { KeyPrefix = $"runner-test-{Guid.NewGuid():N}:" };
        var bed = new RunnerTestBed(await redis.ConnectAsync(), queueOptions);
        try
        {
            await bed.OpenAsync();
        }
        catch
        {
            await bed.DisposeAsync();
            throw;
        }

        return bed;
    }

    private async Task OpenAsync()
    {
        // A node takes only jobs whose owner is alive, which the owner's lease keeper keeps saying.
        await Queue.RefreshGatewayAsync(OwnerGatewayId, TimeSpan.FromMinutes(5));
        await _ownerRelay.StartAsync(CancellationToken.None);
        await _servingRelay.StartAsync(CancellationToken.None);
        var notifications = await Queue.SubscribeAsync();
        _owned.Add(notifications);
        _node = new PlayedNode(Queue, notifications, _servingRelay, "node-1");
        await PublishNodeAsync(_node.NodeId, NodeHealth.Ready, Model, OtherModel);
    }

    /// <summary>Shows a node linked to the serving gateway in the herd's node directory, as that gateway's heartbeat would.</summary>
    public Task PublishNodeAsync(string nodeId, NodeHealth health, params string[] models) =>
        _directory.PublishAsync(new NodeSummary
        {
            NodeId = nodeId,
            GatewayId = ServingGatewayId,
            Health = health,
            Slots = 4,
            Models = { models.Select(model => new ServedModel { Name = model, ContextLength = ContextLength }) },
        });

    /// <summary>The models' fallbacks as the gateway builds them, over this bed's queue.</summary>
    public ModelFallbacks Fallbacks(FallbackOptions options) =>
        new(Queue, Options.Create(options), _telemetry, NullLogger<ModelFallbacks>.Instance);

    /// <summary>A runner as the gateway builds it, over this bed's queue and relay.</summary>
    /// <param name="fallbacks">the models' fallbacks; none by default</param>
    public CompletionRunner Runner(ICompletionAdmission admission, IUsageRecorder recorder, FallbackOptions? fallbacks = null)
    {
        // The owner holds no node link here: its jobs go through the queue to the played node.
        var registry = new NodeRegistry();
        var server = new JobServer(Queue, _ownerRelay, new ServedJobs(), registry, Options.Create(new GatewayOptions { GatewayId = OwnerGatewayId }), _telemetry, NullLogger<JobServer>.Instance);
        return new(
            Queue,
            new ArrivalDispatcher(registry, Queue, server),
            Mailboxes,
            _ownerRelay,
            new ModelCatalog(_directory, registry, new CatalogOptions(), TimeProvider.System),
            admission,
            recorder,
            Options.Create(QueueOptions),
            TimeProvider.System,
            Ends,
            Fallbacks(fallbacks ?? new FallbackOptions()),
            _telemetry,
            NullLogger<CompletionRunner>.Instance);
    }

    /// <summary>
    /// The admission where access control is on, built as the gateway builds it, over this bed's
    /// Redis and a migrated ledger database of its own (which only a budget reads).
    /// </summary>
    /// <param name="fees">Settings under <c>Herd:Gateway:Fees</c>; everything is free without them.</param>
    public async Task<KeyedAdmission> KeyedAdmissionAsync(PostgresServer postgres, IReadOnlyDictionary<string, string?>? fees = null)
    {
        var ledger = await LedgerHost.CreateAsync(postgres);
        _owned.Add(ledger);
        var budgets = new BudgetKeeper(
            _redis, Prefix, ledger.Services.GetRequiredService<IDbContextFactory<LedgerDbContext>>(), NullLogger<BudgetKeeper>.Instance);
        return new KeyedAdmission(Limiter(), Prefix, Prices(fees), budgets, _telemetry);
    }

    /// <summary>A limiter over the counters the keyed admission charges.</summary>
    public UsageLimiter Limiter() => new(_redis, Prefix);

    /// <summary>Runs a request to its end and returns every event the client received.</summary>
    public static async Task<List<CompletionEvent>> RunToEndAsync(
        CompletionRunner runner, CompletionRequest request, Caller? caller = null, CancellationToken cancellationToken = default)
    {
        var events = new List<CompletionEvent>();
        await foreach (var completionEvent in runner.RunAsync(request, caller, Door.Grpc, cancellationToken))
        {
            events.Add(completionEvent);
        }

        return events;
    }

    /// <summary>Every key under this bed's prefix that matches <paramref name="pattern"/> after it.</summary>
    public async Task<IReadOnlyList<string>> KeysAsync(string pattern = "*")
    {
        var server = _redis.GetServer(_redis.GetEndPoints()[0]);
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: Prefix + pattern))
        {
            keys.Add(key!);
        }

        return keys;
    }

    public async ValueTask DisposeAsync()
    {
        await Ends.DisposeAsync();
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        _telemetry.Dispose();
    }

    private PriceTable Prices(IReadOnlyDictionary<string, string?>? fees)
    {
        var prices = TestPrices.Create(fees);
        _owned.Add(prices);
        return prices.Table;
    }

    private ValueTask OnServingGatewayCancel(Cancel cancel)
    {
        _cancelsOnServingGateway.Writer.TryWrite(cancel);
        return ValueTask.CompletedTask;
    }
}
