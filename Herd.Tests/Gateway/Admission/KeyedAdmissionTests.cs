using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Admission;
using Herd.Gateway.Admission.Fees;
using Herd.Gateway.Admission.Limits;
using Herd.Gateway.Failures;
using Herd.Gateway.Queue;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Fees;
using Microsoft.Extensions.Options;

namespace Herd.Tests.Gateway.Admission;

/// <summary>
/// The admission where access control is on, against a real redis-server and PostgreSQL: each test
/// under a Redis prefix and a ledger database of its own.
/// </summary>
[Collection(WithServers.Name)]
public sealed class KeyedAdmissionTests(ServersFixture servers) : IAsyncLifetime
{
    private const string Model = "herd-tiny";
    private const int ContextLength = 2048;

    // "Hello" is 5 bytes plus 16 template tokens; max_tokens is 16.
    private const long PromptBound = 5 + 16;
    private const long TokenBound = PromptBound + 16;

    // At 0.001 a prompt token and 0.002 a completion token, the bound costs 21 × 0.001 + 16 × 0.002.
    private const decimal MaxFee = 0.053m;

    // Windows of a year (the longest a rule may have), so that no test runs across a window's end.
    private static readonly LimitRule OneRequestAYear = new(LimitKind.Requests, 1, TimeSpan.FromDays(366));
    private static readonly LimitRule TenRequestsAYear = new(LimitKind.Requests, 10, TimeSpan.FromDays(366));
    private static readonly LimitRule TokensAYear = new(LimitKind.Tokens, 100_000, TimeSpan.FromDays(366));
    private static readonly byte[] Payload = [1];

    private static readonly Dictionary<string, string?> Fees = new()
    {
        ["Herd:Gateway:Fees:Default:PerPromptToken"] = "0.001",
        ["Herd:Gateway:Fees:Default:PerCompletionToken"] = "0.002",
        ["Herd:Gateway:Fees:PriorityMultiplierPerLevel"] = "0",
    };

    private BudgetTestBed? _bed;
    private TestPrices? _prices;

    private BudgetTestBed Bed => _bed ?? throw new InvalidOperationException("The test bed is not open.");

    private PriceTable Prices => _prices?.Table ?? throw new InvalidOperationException("The test bed is not open.");

    public async Task InitializeAsync()
    {
        _bed = await BudgetTestBed.CreateAsync(servers);
        _prices = TestPrices.Create(Fees);
    }

    public async Task DisposeAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }

        if (_prices is not null)
        {
            await _prices.DisposeAsync();
        }
    }

    [Fact]
    public async Task Begin_ModelTheRoleDoesNotAllow_IsForbidden_NamingTheModel()
    {
        var role = new Role("small-only") { Models = new NamePatterns(["herd-small"]) };

        var refused = Assert.Throws<RequestFailedException>(() => Admission().Begin(Caller(role), Request(), ContextLength, NewJobId()));

        Assert.Equal(FailureKind.Forbidden, refused.Kind);
        Assert.Equal("The role 'small-only' may not use model 'herd-tiny' (it allows herd-small).", refused.Message);
        Assert.Empty(await KeysAsync());
    }

    [Fact]
    public async Task Begin_PriorityAboveTheRolesMaximum_IsForbidden()
    {
        var role = new Role("background") { MaxPriority = 10 };

        var refused = Assert.Throws<RequestFailedException>(() => Admission().Begin(Caller(role), Request(priority: 11), ContextLength, NewJobId()));

        Assert.Equal(FailureKind.Forbidden, refused.Kind);
        Assert.Contains("Priority 11 is above 10", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await KeysAsync());
    }

    [Fact]
    public async Task Begin_RoleThatAllowsNoNodeGroup_IsForbidden()
    {
        var role = new Role("grounded") { NodeGroups = NamePatterns.None };

        var refused = Assert.Throws<RequestFailedException>(() => Admission().Begin(Caller(role), Request(), ContextLength, NewJobId()));

        Assert.Equal(FailureKind.Forbidden, refused.Kind);
        Assert.Contains("allow_node_groups is empty", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await KeysAsync());
    }

    [Fact]
    public void Begin_WithoutACaller_IsUnauthenticated()
    {
        var refused = Assert.Throws<RequestFailedException>(() => Admission().Begin(null, Request(), ContextLength, NewJobId()));

        Assert.Equal(FailureKind.Unauthenticated, refused.Kind);
    }

    [Fact]
    public async Task Begin_WithinLimitsAndBudget_Admits_WithTicketsTheJobIsQueuedWith()
    {
        var role = new Role("metered") { Limits = [TenRequestsAYear, TokensAYear], NodeGroups = new NamePatterns(["gpu-*"]), Budget = 1m };
        var caller = Caller(role);
        var jobId = NewJobId();

        var pending = Admission().Begin(caller, Request(priority: 3), ContextLength, jobId);
        var admitted = await pending.Result;

        Assert.Equal(["gpu-*"], pending.NodeGroups);
        Assert.Equal([$"{Bed.Prefix}ticket:{jobId}:budget", $"{Bed.Prefix}ticket:{jobId}:limits"], pending.Tickets);
        foreach (var ticket in pending.Tickets)
        {
            Assert.True(await Bed.Database.KeyExistsAsync(ticket), ticket);
        }

        Assert.NotNull(admitted.Reservation);
        Assert.Equal((TokenBound, PromptBound), (admitted.Reservation.Tokens, admitted.PromptTokenBound));
        Assert.Equal(new BudgetReservation(caller.KeyId, MaxFee), admitted.BudgetReservation);
        Assert.Equal((Model, 3), (admitted.Model, admitted.Priority));
        Assert.Equal([1, TokenBound], (await Limiter().StatusAsync(caller.KeyId, role.Limits)).Select(status => status.Used));
        Assert.Equal(MaxFee, await Bed.Keeper().SpentAsync(caller.KeyId));

        var enqueued = await Queue().EnqueueAsync(Job(jobId, pending));

        Assert.Equal(EnqueueOutcome.Enqueued, enqueued.Outcome);
        foreach (var ticket in pending.Tickets)
        {
            Assert.False(await Bed.Database.KeyExistsAsync(ticket), $"{ticket} is used up by the job");
        }
    }

    [Fact]
    public async Task Begin_OverARequestLimit_IsOverLimitWithRetryAfter_AndGivesTheBudgetReservationBack()
    {
        var role = new Role("one-a-year") { Limits = [OneRequestAYear], Budget = 1m };
        var caller = Caller(role);
        await Admission().Begin(caller, Request(), ContextLength, NewJobId()).Result;
        var jobId = NewJobId();

        var pending = Admission().Begin(caller, Request(), ContextLength, jobId);
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => pending.Result);

        Assert.Equal(FailureKind.OverLimit, refused.Kind);
        Assert.StartsWith("Limit reached: 1 requests per 366d for this key", refused.Message, StringComparison.Ordinal);
        Assert.NotNull(refused.Failure.RetryAfter);
        Assert.InRange(refused.Failure.RetryAfter.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(366));
        Assert.Equal(MaxFee, await Bed.Keeper().SpentAsync(caller.KeyId));
        Assert.Equal(EnqueueOutcome.Unadmitted, (await Queue().EnqueueAsync(Job(jobId, pending))).Outcome);
    }

    [Fact]
    public async Task Begin_OverTheBudget_IsOverBudget_AndGivesTheLimitChargeBack_SoTheNextRequestFits()
    {
        var role = new Role("one-a-year") { Limits = [OneRequestAYear, TokensAYear] };
        var keyId = BudgetTestBed.NewKeyId();
        var poor = new Caller(keyId, "poor", role, HistoryOptOut: false, KeyBudget: 0.05m);
        var jobId = NewJobId();

        var pending = Admission().Begin(poor, Request(), ContextLength, jobId);
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => pending.Result);

        Assert.Equal(FailureKind.OverBudget, refused.Kind);
        Assert.Null(refused.Failure.RetryAfter);
        Assert.Equal([0, 0], (await Limiter().StatusAsync(keyId, role.Limits)).Select(status => status.Used));
        Assert.Equal(0m, await Bed.Keeper().SpentAsync(keyId));
        Assert.Equal(EnqueueOutcome.Unadmitted, (await Queue().EnqueueAsync(Job(jobId, pending))).Outcome);

        var funded = poor with { KeyBudget = 1m };
        var admitted = await Admission().Begin(funded, Request(), ContextLength, NewJobId()).Result;
        Assert.NotNull(admitted.Reservation);
    }

    [Fact]
    public async Task Begin_Embeddings_ReserveEachTextsPromptBound_UpToTheContext_AndNoCompletion()
    {
        var role = new Role("metered") { Limits = [TokensAYear], Budget = 5m };
        var caller = Caller(role);
        // Two texts: 5 bytes + 16, and one longer than the context, which takes the context at most.
        var request = new CompletionRequest { Model = Model, Embed = new EmbedInput { Texts = { "Hello", new string('a', 3 * ContextLength) } } };
        const long expectedBound = PromptBound + ContextLength;

        var admitted = await Admission().Begin(caller, request, ContextLength, NewJobId()).Result;

        Assert.Equal((expectedBound, expectedBound), (admitted.Reservation!.Tokens, admitted.PromptTokenBound));
        Assert.Equal(expectedBound * 0.001m, await Bed.Keeper().SpentAsync(caller.KeyId));
    }

    [Fact]
    public async Task FeeOf_RequestThatNeverReachedANode_IsZero()
    {
        var admitted = await Admission().Begin(Caller(new Role("user")), Request(), ContextLength, NewJobId()).Result;

        Assert.Equal(0m, Admission().FeeOf(admitted, reachedNode: false, promptTokens: 100, completionTokens: 50));
        Assert.Equal(0.2m, Admission().FeeOf(admitted, reachedNode: true, promptTokens: 100, completionTokens: 50));
    }

    [Fact]
    public async Task SettleAsync_ReplacesTheReservationWithTheRealCount_AndTheRealFee()
    {
        var role = new Role("metered") { Limits = [TenRequestsAYear, TokensAYear], Budget = 1m };
        var caller = Caller(role);
        var admission = Admission();
        var admitted = await admission.Begin(caller, Request(), ContextLength, NewJobId()).Result;
        var fee = admission.FeeOf(admitted, reachedNode: true, promptTokens: 5, completionTokens: 2);

        await admission.SettleAsync(admitted, promptTokens: 5, completionTokens: 2, fee);

        Assert.Equal(0.009m, fee);
        Assert.Equal([1, 5 + 2], (await Limiter().StatusAsync(caller.KeyId, role.Limits)).Select(status => status.Used));
        Assert.Equal(0.009m, await Bed.Keeper().SpentAsync(caller.KeyId));
    }

    private KeyedAdmission Admission() => new(Limiter(), Bed.Prefix, Prices, Bed.Keeper());

    private UsageLimiter Limiter() => new(Bed.Redis, Bed.Prefix);

    private JobQueue Queue() => new(Bed.Redis, Options.Create(new QueueOptions { KeyPrefix = Bed.Prefix }));

    private async Task<IReadOnlyList<string>> KeysAsync()
    {
        var server = Bed.Redis.GetServer(Bed.Redis.GetEndPoints()[0]);
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: Bed.Prefix + "*"))
        {
            keys.Add(key!);
        }

        return keys;
    }

    private static QueuedJob Job(string jobId, PendingAdmission pending) => new(jobId, Model, 0, "gateway-a", Payload)
    {
        NodeGroups = pending.NodeGroups,
        AdmissionTickets = pending.Tickets,
    };

    private static CompletionRequest Request(int priority = 0) => new()
    {
        Model = Model,
        Prompt = "Hello",
        Priority = priority,
        Sampling = new SamplingParams { MaxTokens = 16 },
    };

    private static Caller Caller(Role role) => new(BudgetTestBed.NewKeyId(), "admission test key", role, HistoryOptOut: false, KeyBudget: null);

    private static string NewJobId() => Guid.NewGuid().ToString("N");
}
