using Herd.Gateway.Access;
using Herd.Gateway.Admission.Fees;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using StackExchange.Redis;

namespace Herd.Tests.Gateway.Fees;

/// <summary>Budgets against a real redis-server and PostgreSQL, each test under a Redis prefix and a ledger database of its own.</summary>
[Collection(WithServers.Name)]
public sealed class BudgetKeeperTests(ServersFixture servers) : IAsyncLifetime
{
    private BudgetTestBed? _bed;

    private BudgetTestBed Bed => _bed ?? throw new InvalidOperationException("The test bed is not open.");

    public async Task InitializeAsync() => _bed = await BudgetTestBed.CreateAsync(servers);

    public async Task DisposeAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
    }

    [Fact]
    public async Task Reserve_WithinTheBudget_AdmitsAndCommitsTheMaxFee()
    {
        var keeper = Bed.Keeper();
        var keyId = BudgetTestBed.NewKeyId();

        var admission = await keeper.ReserveAsync(keyId, budget: 10m, maxFee: 3m);

        Assert.True(admission.IsAdmitted);
        Assert.Equal(new BudgetReservation(keyId, 3m), admission.Reservation);
        Assert.Equal((0m, 10m), (admission.Spent, admission.Budget));
        Assert.Equal(3m, await keeper.SpentAsync(keyId));
        Assert.Equal("3000000000", (string?)await Bed.Database.StringGetAsync(Bed.Counter(keyId)));
    }

    [Fact]
    public async Task Reserve_OverTheBudget_RefusesAndChangesNothing()
    {
        var keeper = Bed.Keeper();
        var keyId = BudgetTestBed.NewKeyId();
        await keeper.ReserveAsync(keyId, budget: 10m, maxFee: 7m);

        var refused = await keeper.ReserveAsync(keyId, budget: 10m, maxFee: 3.000000001m);

        Assert.False(refused.IsAdmitted);
        Assert.Null(refused.Reservation);
        Assert.Equal((7m, 10m), (refused.Spent, refused.Budget));
        Assert.Equal(7m, await keeper.SpentAsync(keyId));
    }

    [Fact]
    public async Task Reserve_ExactlyWhatIsLeft_IsAdmitted_AndThenNothingMore()
    {
        var keeper = Bed.Keeper();
        var keyId = BudgetTestBed.NewKeyId();
        await keeper.ReserveAsync(keyId, budget: 10m, maxFee: 7m);

        var rest = await keeper.ReserveAsync(keyId, budget: 10m, maxFee: 3m);
        var more = await keeper.ReserveAsync(keyId, budget: 10m, maxFee: 0.000000001m);

        Assert.True(rest.IsAdmitted);
        Assert.False(more.IsAdmitted);
        Assert.Equal(10m, more.Spent);
    }

    [Fact]
    public async Task Reserve_MoreThanTheWholeBudget_RefusesWithWhatWasSpent()
    {
        var keeper = Bed.Keeper();
        var keyId = BudgetTestBed.NewKeyId();
        await Bed.RecordFeeAsync(keyId, 1.25m);

        var refused = await keeper.ReserveAsync(keyId, budget: 10m, maxFee: 10.5m);

        Assert.False(refused.IsAdmitted);
        Assert.Equal(1.25m, refused.Spent);
        Assert.Equal(1.25m, await keeper.SpentAsync(keyId));
    }

    [Fact]
    public async Task Reserve_LargerThanLuaNumbersHoldExactly_StillComparesExactly()
    {
        // 2^53 nano-units is about 9 million; a double could not tell these amounts apart.
        var keeper = Bed.Keeper();
        var keyId = BudgetTestBed.NewKeyId();
        await keeper.ReserveAsync(keyId, budget: 1_000_000_000m, maxFee: 999_999_999m);

        var overByOneNano = await keeper.ReserveAsync(keyId, budget: 1_000_000_000m, maxFee: 1.000000001m);
        var exact = await keeper.ReserveAsync(keyId, budget: 1_000_000_000m, maxFee: 1m);

        Assert.False(overByOneNano.IsAdmitted);
        Assert.True(exact.IsAdmitted);
        Assert.Equal(1_000_000_000m, await keeper.SpentAsync(keyId));
    }

    [Fact]
    public async Task Settle_BelowTheReservation_GivesTheUnusedPartBack()
    {
        var keeper = Bed.Keeper();
        var keyId = BudgetTestBed.NewKeyId();
        var admission = await keeper.ReserveAsync(keyId, budget: 10m, maxFee: 5m);

        await keeper.SettleAsync(admission.Reservation!, actualFee: 1.25m);

        Assert.Equal(1.25m, await keeper.SpentAsync(keyId));
        Assert.True((await keeper.ReserveAsync(keyId, budget: 10m, maxFee: 8.75m)).IsAdmitted);
    }

    [Fact]
    public async Task Settle_AboveTheReservation_ChargesTheRealFee()
    {
        var keeper = Bed.Keeper();
        var keyId = BudgetTestBed.NewKeyId();
        var admission = await keeper.ReserveAsync(keyId, budget: 10m, maxFee: 1m);

        await keeper.SettleAsync(admission.Reservation!, actualFee: 1.5m);

        Assert.Equal(1.5m, await keeper.SpentAsync(keyId));
    }

    [Fact]
    public async Task Reserve_ManyAtOnceFromTwoGateways_NeverCommitsMoreThanTheBudget()
    {
        var keyId = BudgetTestBed.NewKeyId();
        await Bed.RecordFeeAsync(keyId, 0.5m);
        var gateways = new[] { Bed.Keeper(), await Bed.SecondGatewayKeeperAsync() };

        // Both start on a counter that does not exist yet, so both seed it from the ledger.
        var admissions = await Task.WhenAll(Enumerable.Range(0, 100)
            .Select(i => Task.Run(() => gateways[i % 2].ReserveAsync(keyId, budget: 2m, maxFee: 0.03m))));

        // 0.5 spent + 50 × 0.03 = 2.
        Assert.Equal(50, admissions.Count(admission => admission.IsAdmitted));
        Assert.Equal(2m, await gateways[0].SpentAsync(keyId));
        Assert.All(admissions.Where(admission => !admission.IsAdmitted), refused => Assert.Equal(2m, refused.Spent));
    }

    [Fact]
    public async Task Reserve_FirstUse_StartsFromTheKeysFeesInTheLedger_WithNoExpiry()
    {
        var keeper = Bed.Keeper();
        var keyId = BudgetTestBed.NewKeyId();
        await Bed.RecordFeeAsync(keyId, 1.5m);
        await Bed.RecordFeeAsync(keyId, 2.25m);
        await Bed.RecordFeeAsync(BudgetTestBed.NewKeyId(), 100m);

        var admission = await keeper.ReserveAsync(keyId, budget: 10m, maxFee: 1m);

        Assert.Equal(3.75m, admission.Spent);
        Assert.Equal(4.75m, await keeper.SpentAsync(keyId));
        Assert.Null(await Bed.Database.KeyTimeToLiveAsync(Bed.Counter(keyId)));
        Assert.Contains(Bed.Ledger.Logs.Lines, line => line.Contains(keyId, StringComparison.Ordinal) && line.Contains("3.75", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Spent_CounterLost_IsCountedAgainFromTheLedger()
    {
        var keeper = Bed.Keeper();
        var keyId = BudgetTestBed.NewKeyId();
        var admission = await keeper.ReserveAsync(keyId, budget: 10m, maxFee: 4m);
        await keeper.SettleAsync(admission.Reservation!, actualFee: 2.5m);
        await Bed.RecordFeeAsync(keyId, 2.5m);

        await Bed.Database.KeyDeleteAsync(Bed.Counter(keyId));

        Assert.Equal(2.5m, await keeper.SpentAsync(keyId));
        Assert.Equal("2500000000", (string?)await Bed.Database.StringGetAsync(Bed.Counter(keyId)));
    }

    [Fact]
    public async Task Settle_CounterLostMeanwhile_LeavesItToBeSeededFromTheLedger()
    {
        var keeper = Bed.Keeper();
        var keyId = BudgetTestBed.NewKeyId();
        var admission = await keeper.ReserveAsync(keyId, budget: 10m, maxFee: 4m);
        await Bed.Database.KeyDeleteAsync(Bed.Counter(keyId));

        await keeper.SettleAsync(admission.Reservation!, actualFee: 1m);

        Assert.False(await Bed.Database.KeyExistsAsync(Bed.Counter(keyId)));
    }

    [Fact]
    public async Task Spent_TwoGateways_SeeOneCounter()
    {
        var first = Bed.Keeper();
        var second = await Bed.SecondGatewayKeeperAsync();
        var keyId = BudgetTestBed.NewKeyId();

        var onFirst = await first.ReserveAsync(keyId, budget: 1m, maxFee: 0.6m);
        var onSecond = await second.ReserveAsync(keyId, budget: 1m, maxFee: 0.6m);
        await second.SettleAsync(onFirst.Reservation!, actualFee: 0.1m);

        Assert.True(onFirst.IsAdmitted);
        Assert.False(onSecond.IsAdmitted);
        Assert.Equal(0.6m, onSecond.Spent);
        Assert.Equal((0.1m, 0.1m), (await first.SpentAsync(keyId), await second.SpentAsync(keyId)));
    }

    [Fact]
    public async Task Reserve_LedgerUnreachableWhileSeeding_ThrowsLedgerUnreachable_AndLeavesNoCounter()
    {
        await using var unreachable = UnreachableLedger();
        var keeper = Bed.Keeper(Bed.Redis, unreachable);
        var keyId = BudgetTestBed.NewKeyId();

        var error = await Assert.ThrowsAsync<LedgerUnreachableException>(() => keeper.ReserveAsync(keyId, budget: 10m, maxFee: 1m));

        Assert.Contains("retry shortly", error.Message, StringComparison.Ordinal);
        Assert.False(await Bed.Database.KeyExistsAsync(Bed.Counter(keyId)));
    }

    [Fact]
    public async Task Reserve_LedgerUnreachableButCounterKnown_GoesOnWithoutTheLedger()
    {
        var keyId = BudgetTestBed.NewKeyId();
        await Bed.Keeper().ReserveAsync(keyId, budget: 10m, maxFee: 1m);
        await using var unreachable = UnreachableLedger();
        var keeper = Bed.Keeper(Bed.Redis, unreachable);

        var admission = await keeper.ReserveAsync(keyId, budget: 10m, maxFee: 1m);

        Assert.True(admission.IsAdmitted);
        Assert.Equal(1m, admission.Spent);
    }

    [Fact]
    public async Task Reserve_NotAKeyId_OrNegativeAmounts_Throw()
    {
        var keeper = Bed.Keeper();
        var keyId = BudgetTestBed.NewKeyId();

        var notKey = await Assert.ThrowsAsync<ArgumentException>(() => keeper.ReserveAsync("key:*", 10m, 1m));
        var budget = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => keeper.ReserveAsync(keyId, -1m, 1m));
        var maxFee = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => keeper.ReserveAsync(keyId, 10m, -1m));

        Assert.Equal(("keyId", "budget", "maxFee"), (notKey.ParamName, budget.ParamName, maxFee.ParamName));
        Assert.False(await Bed.Database.KeyExistsAsync(Bed.Counter(keyId)));
    }

    /// <summary>A ledger whose PostgreSQL is not there: nothing listens on its port.</summary>
    private static LedgerHost UnreachableLedger() =>
        LedgerHost.Build($"Host=127.0.0.1;Port={FreePort.Next()};Database=herd;Username=herd;Password=unused;Timeout=5");
}
