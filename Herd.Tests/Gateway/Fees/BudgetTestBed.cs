using Herd.Gateway.Admission.Fees;
using Herd.Gateway.Ledger;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Herd.Tests.Gateway.Fees;

/// <summary>
/// A migrated ledger database and a Redis key prefix of one test's own, on the shared servers;
/// builds <see cref="BudgetKeeper"/>s over them as a gateway would.
/// </summary>
internal sealed class BudgetTestBed : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    private BudgetTestBed(RedisServer redisServer, LedgerHost ledger, ConnectionMultiplexer redis)
    {
        RedisServer = redisServer;
        Ledger = ledger;
        Redis = redis;
        _owned.Add(ledger);
        _owned.Add(redis);
    }

    public RedisServer RedisServer { get; }

    public LedgerHost Ledger { get; }

    public ConnectionMultiplexer Redis { get; }

    public string Prefix { get; } = $"fees-test-{Guid.NewGuid():N}:";

    public static async Task<BudgetTestBed> CreateAsync(ServersFixture servers)
    {
        var ledger = await LedgerHost.CreateAsync(servers.Postgres);
        return new BudgetTestBed(servers.Redis, ledger, await servers.Redis.ConnectAsync());
    }

    /// <summary>A fresh API key id (12 characters of a-z and 0-9).</summary>
    public static string NewKeyId() => Guid.NewGuid().ToString("N")[..12];

    /// <summary>A keeper over this test's Redis connection and ledger.</summary>
    public BudgetKeeper Keeper() => Keeper(Redis, Ledger);

    /// <summary>A keeper as a second gateway has it: its own Redis connection and its own ledger host, over the same data.</summary>
    public async Task<BudgetKeeper> SecondGatewayKeeperAsync()
    {
        var redis = await RedisServer.ConnectAsync();
        _owned.Add(redis);
        var ledger = LedgerHost.Build(Ledger.ConnectionString);
        _owned.Add(ledger);
        return Keeper(redis, ledger);
    }

    public BudgetKeeper Keeper(IConnectionMultiplexer redis, LedgerHost ledger) => new(
        redis,
        Prefix,
        ledger.Services.GetRequiredService<IDbContextFactory<LedgerDbContext>>(),
        ledger.Services.GetRequiredService<ILogger<BudgetKeeper>>());

    /// <summary>The Redis counter of a key's spend, as <see cref="BudgetKeeper"/> names it.</summary>
    public RedisKey Counter(string keyId) => $"{Prefix}budget:{keyId}";

    public IDatabase Database => Redis.GetDatabase();

    /// <summary>A usage record of <paramref name="fee"/> for the key, as the outbox would land it.</summary>
    public async Task RecordFeeAsync(string keyId, decimal fee)
    {
        await using var context = Ledger.CreateContext();
        var now = DateTimeOffset.UtcNow;
        await context.InsertUsageIfNewAsync(new UsageRecord
        {
            RequestId = $"req-{Guid.NewGuid():N}",
            KeyId = keyId,
            Role = "user",
            Model = "herd-tiny",
            Status = "OK",
            Fee = fee,
            ReceivedAt = now,
            EndedAt = now,
        });
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }
}
