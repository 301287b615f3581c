using System.Collections.Concurrent;
using System.Text;
using Herd.Gateway.Queue;
using Herd.Tests.Fixtures;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Tests.Gateway.Queue;

/// <summary>The job queue against a real redis-server, one private server per test.</summary>
public sealed partial class JobQueueTests : IAsyncLifetime
{
    private const string Owner = "gateway-a";
    private const string Server = "gateway-b";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private RedisServer? _redis;
    private ConnectionMultiplexer? _connection;

    private RedisServer Redis => _redis ?? throw new InvalidOperationException("The server has not started.");

    private ConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync(appendOnly: true);
        _connection = await _redis.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task TryPop_OneModel_PopsByPriorityThenArrival()
    {
        var queue = await CreateQueueAsync();
        await EnqueueAllAsync(queue, Job("low-1", priority: 0), Job("high-1", priority: 5), Job("low-2", priority: 0),
            Job("mid-1", priority: 2), Job("high-2", priority: 5), Job("low-3", priority: 0));

        var popped = await PopAllAsync(queue, ["m"]);

        Assert.Equal(["high-1", "high-2", "mid-1", "low-1", "low-2", "low-3"], popped.Select(job => job.JobId));
    }

    [Fact]
    public async Task Pop_SeveralAtOnce_TakesTheBestInOrder_AndLeavesTheRest()
    {
        var queue = await CreateQueueAsync();
        await EnqueueAllAsync(queue, Job("low-1", priority: 0), Job("high-1", priority: 5), Job("low-2", priority: 0), Job("mid-1", priority: 2));

        var popped = await queue.PopAsync(["m"], "node-1", Server, max: 3);
        var rest = await queue.PopAsync(["m"], "node-1", Server, max: 3);
        var none = await queue.PopAsync(["m"], "node-1", Server, max: 3);

        Assert.Equal(["high-1", "mid-1", "low-1"], popped.Select(job => job.JobId));
        Assert.Equal(["low-2"], rest.Select(job => job.JobId));
        Assert.Empty(none);
    }

    [Fact]
    public async Task TryPop_LowPriorityJobOlderThanItsAging_PassesNewerHighPriorityJob()
    {
        var queue = await CreateQueueAsync(new QueueOptions { AgingPerPriorityLevel = TimeSpan.FromMilliseconds(50) });
        await queue.EnqueueAsync(Job("old-low", priority: 0));
        // One level is worth 50 ms; the old job waits three times that before the newer ones arrive.
        await Task.Delay(TimeSpan.FromMilliseconds(150));
        await queue.EnqueueAsync(Job("new-one-level-up", priority: 1));
        await queue.EnqueueAsync(Job("new-ten-levels-up", priority: 10));

        var popped = await PopAllAsync(queue, ["m"]);

        Assert.Equal(["new-ten-levels-up", "old-low", "new-one-level-up"], popped.Select(job => job.JobId));
    }

    [Fact]
    public async Task TryPop_SeveralModels_TakesTheBestHeadAcrossThem()
    {
        var queue = await CreateQueueAsync();
        await EnqueueAllAsync(queue, Job("a-low", model: "a", priority: 0), Job("b-high", model: "b", priority: 3),
            Job("c-mid", model: "c", priority: 1), Job("a-high", model: "a", priority: 3), Job("other", model: "d", priority: 9));

        var popped = await PopAllAsync(queue, ["a", "b", "c"]);

        Assert.Equal(["b-high", "a-high", "c-mid", "a-low"], popped.Select(job => job.JobId));
        Assert.Equal(1, await queue.DepthAsync("d"));
    }

    [Fact]
    public async Task TryPop_WaitingJob_ReturnsItAssignedAndLeased()
    {
        var queue = await CreateQueueAsync();
        await queue.EnqueueAsync(Job("job-1", priority: 4));
        await Task.Delay(TimeSpan.FromMilliseconds(20));

        var popped = await queue.TryPopAsync(["m"], "node-1", Server);

        Assert.NotNull(popped);
        Assert.Equal(("job-1", "m", 4, Owner), (popped.JobId, popped.Model, popped.Priority, popped.OwnerGatewayId));
        Assert.Equal("payload of job-1", Encoding.UTF8.GetString(popped.Payload.Span));
        Assert.InRange(popped.Waited, TimeSpan.FromMilliseconds(15), TimeSpan.FromSeconds(5));
        Assert.InRange(popped.EnqueuedAt, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1));
        Assert.Equal(0, await queue.DepthAsync("m"));
        Assert.Null(await queue.TryPopAsync(["m"], "node-2", Server));
        Assert.Empty(await queue.RenewLeasesAsync(["job-1"]));
    }

    [Fact]
    public async Task Enqueue_QueueAtMaxDepth_AnswersQueueFullWithRetryHint()
    {
        var queue = await CreateQueueAsync(new QueueOptions { MaxDepthPerModel = 2, QueueFullRetryAfter = TimeSpan.FromSeconds(3) });

        var first = await queue.EnqueueAsync(Job("job-1", priority: 0));
        var second = await queue.EnqueueAsync(Job("job-2", priority: 1));
        var refused = await queue.EnqueueAsync(Job("job-3"));
        var otherModel = await queue.EnqueueAsync(Job("job-4", model: "other"));

        Assert.Equal(EnqueueResult.Enqueued(position: 1, depth: 1), first);
        Assert.Equal(EnqueueResult.Enqueued(position: 1, depth: 2), second);
        Assert.Equal(EnqueueResult.QueueFull(depth: 2, TimeSpan.FromSeconds(3)), refused);
        Assert.Equal(EnqueueOutcome.Enqueued, otherModel.Outcome);
        Assert.Equal(RemoveResult.Unknown, await queue.RemoveIfQueuedAsync("job-3"));
    }

    [Fact]
    public async Task Enqueue_WithAdmissionTickets_QueuesOnlyWhenEveryTicketExists_AndUsesThemUp()
    {
        var queue = await CreateQueueAsync();
        var database = Connection.GetDatabase();
        await database.StringSetAsync("t:limits", "1");
        var ticketed = Job("job-1") with { AdmissionTickets = ["t:limits", "t:budget"] };

        var missingOne = await queue.EnqueueAsync(ticketed);
        var limitsKept = await database.KeyExistsAsync("t:limits");
        await database.StringSetAsync("t:budget", "1");
        var bothThere = await queue.EnqueueAsync(ticketed);

        Assert.Equal(EnqueueOutcome.Unadmitted, missingOne.Outcome);
        Assert.True(limitsKept, "a refused enqueue used up a ticket");
        Assert.Equal(EnqueueOutcome.Enqueued, bothThere.Outcome);
        Assert.False(await database.KeyExistsAsync("t:limits"));
        Assert.False(await database.KeyExistsAsync("t:budget"));
        Assert.Equal(1, await queue.DepthAsync("m"));
    }

    [Fact]
    public async Task Enqueue_SameJobIdTwice_Throws()
    {
        var queue = await CreateQueueAsync();
        await queue.EnqueueAsync(Job("job-1"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => queue.EnqueueAsync(Job("job-1")));

        Assert.Contains("job-1", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, await queue.DepthAsync("m"));
    }

    [Fact]
    public async Task Enqueue_InvalidJob_ThrowsArgumentException()
    {
        var queue = await CreateQueueAsync();
        var payload = new byte[] { 1 };

        await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueAsync(new QueuedJob("job", "", 0, Owner, payload)));
        await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueAsync(new QueuedJob(" ", "m", 0, Owner, payload)));
        await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueAsync(new QueuedJob("job", "m", 0, "", payload)));
        await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueAsync(new QueuedJob("job", "m", 0, Owner, default)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => queue.EnqueueAsync(new QueuedJob("job", "m", QueuedJob.MaxPriority + 1, Owner, payload)));
        await Assert.ThrowsAsync<ArgumentNullException>(() => queue.EnqueueAsync(null!));
        Assert.Equal(0, await queue.DepthAsync("m"));
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingTheSetting()
    {
        var error = Assert.Throws<System.ComponentModel.DataAnnotations.ValidationException>(
            () => new JobQueue(Connection, Options.Create(new QueueOptions { MaxDepthPerModel = 0 })));

        Assert.Contains(nameof(QueueOptions.MaxDepthPerModel), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoveIfQueued_WaitingJob_RemovesIt()
    {
        var queue = await CreateQueueAsync();
        await EnqueueAllAsync(queue, Job("job-1"), Job("job-2"));

        var removed = await queue.RemoveIfQueuedAsync("job-1");

        Assert.Equal(RemoveResult.Removed, removed);
        Assert.Equal(1, await queue.DepthAsync("m"));
        Assert.Equal(RemoveResult.Unknown, await queue.RemoveIfQueuedAsync("job-1"));
        Assert.Equal(["job-2"], (await PopAllAsync(queue, ["m"])).Select(job => job.JobId));
    }

    [Fact]
    public async Task RemoveIfQueued_PoppedJob_SaysWhichNodeAndGatewayServeIt()
    {
        var queue = await CreateQueueAsync();
        await queue.EnqueueAsync(Job("job-1"));
        await queue.TryPopAsync(["m"], "node-7", Server);
        await queue.MarkStartedAsync("job-1");

        var result = await queue.RemoveIfQueuedAsync("job-1");

        Assert.Equal(RemoveResult.NotQueued(JobState.Assigned, "node-7", Server, started: true), result);
        Assert.Empty(await queue.RenewLeasesAsync(["job-1"]));
    }

    [Fact]
    public async Task Complete_AssignedJob_ForgetsTheJobAndItsLease()
    {
        var queue = await CreateQueueAsync();
        await queue.EnqueueAsync(Job("job-1"));
        await queue.TryPopAsync(["m"], "node-1", Server);

        Assert.True(await queue.CompleteAsync("job-1"));

        Assert.Equal(RemoveResult.Unknown, await queue.RemoveIfQueuedAsync("job-1"));
        Assert.Equal(["job-1"], await queue.RenewLeasesAsync(["job-1"]));
        Assert.False(await queue.MarkStartedAsync("job-1"));
        Assert.False(await queue.CompleteAsync("job-1"));
    }

    [Fact]
    public async Task Requeue_AssignedJob_GoesBackAheadOfEveryWaitingJob()
    {
        var queue = await CreateQueueAsync();
        await queue.EnqueueAsync(Job("early-low", priority: 0));
        await queue.TryPopAsync(["m"], "node-1", Server);
        await EnqueueAllAsync(queue, Job("later-high", priority: 9), Job("later-low", priority: 0));

        var requeued = await queue.RequeueAsync("early-low", assignedNodeId: "node-1");

        Assert.True(requeued);
        Assert.Equal(["early-low", "later-high", "later-low"], (await PopAllAsync(queue, ["m"])).Select(job => job.JobId));
    }

    [Fact]
    public async Task Requeue_JobNowOnAnotherNode_IsRefused()
    {
        var queue = await CreateQueueAsync();
        await queue.EnqueueAsync(Job("job-1"));
        await queue.TryPopAsync(["m"], "node-2", Server);

        Assert.False(await queue.RequeueAsync("job-1", assignedNodeId: "node-1"));
        Assert.Equal(RemoveResult.NotQueued(JobState.Assigned, "node-2", Server, started: false), await queue.RemoveIfQueuedAsync("job-1"));
    }

    [Fact]
    public async Task Requeue_StartedJob_IsRefused()
    {
        var queue = await CreateQueueAsync();
        await queue.EnqueueAsync(Job("job-1"));
        await queue.TryPopAsync(["m"], "node-1", Server);
        Assert.True(await queue.MarkStartedAsync("job-1"));

        Assert.False(await queue.RequeueAsync("job-1"));

        Assert.Equal(0, await queue.DepthAsync("m"));
        Assert.Empty(await queue.RenewLeasesAsync(["job-1"]));
    }

    [Fact]
    public async Task SweepExpiredLeases_RequeuesUnstartedJobsAndFailsStartedOnes()
    {
        var queue = await CreateQueueAsync(new QueueOptions { LeaseDuration = TimeSpan.FromMilliseconds(200) });
        await EnqueueAllAsync(queue, Job("unstarted-1"), Job("started"), Job("unstarted-2"), Job("waiting"));
        foreach (var _ in Enumerable.Range(0, 3))
        {
            await queue.TryPopAsync(["m"], "node-1", Server);
        }

        await queue.MarkStartedAsync("started");
        Assert.Equal(0, (await queue.SweepExpiredLeasesAsync(10)).Count);
        // All three leases must have expired for one sweep to see them together.
        await Task.Delay(queue.Options.LeaseDuration + TimeSpan.FromMilliseconds(50));

        var sweep = await queue.SweepExpiredLeasesAsync(10);

        Assert.Equal(["unstarted-1", "unstarted-2"], sweep.Requeued.Order(StringComparer.Ordinal));
        Assert.Equal([new FailedJob("started", Owner, "m", "node-1")], sweep.Failed);
        Assert.Equal(["unstarted-1", "unstarted-2", "waiting"], (await PopAllAsync(queue, ["m"])).Select(job => job.JobId));
        Assert.Equal(RemoveResult.Unknown, await queue.RemoveIfQueuedAsync("started"));
    }

    [Fact]
    public async Task SweepExpiredLeases_RenewedLease_IsLeftAlone()
    {
        // The renewed lease outlives the forgotten one by half a lease: room for a slow sweep on a busy machine.
        var queue = await CreateQueueAsync(new QueueOptions { LeaseDuration = TimeSpan.FromSeconds(3) });
        await EnqueueAllAsync(queue, Job("renewed"), Job("forgotten"));
        await queue.TryPopAsync(["m"], "node-1", Server);
        await queue.TryPopAsync(["m"], "node-1", Server);
        await Task.Delay(TimeSpan.FromMilliseconds(1500));

        Assert.Equal(["unknown"], await queue.RenewLeasesAsync(["renewed", "unknown"]));
        var sweep = await PollAsync(() => queue.SweepExpiredLeasesAsync(10), result => result.Count > 0);

        Assert.Equal(["forgotten"], sweep.Requeued);
        Assert.Empty(sweep.Failed);
        Assert.Equal(RemoveResult.NotQueued(JobState.Assigned, "node-1", Server, started: false), await queue.RemoveIfQueuedAsync("renewed"));
    }

    [Fact]
    public async Task TryPop_OwnerGatewayGone_SkipsAndDeletesItsJobs()
    {
        var queue = await CreateQueueAsync();
        await queue.RefreshGatewayAsync("gateway-gone", TimeSpan.FromMilliseconds(100));
        await EnqueueAllAsync(queue, Job("orphan-1", priority: 5, owner: "gateway-gone"), Job("kept", priority: 0),
            Job("orphan-2", priority: 5, owner: "never-alive"));
        await PollAsync(() => Connection.GetDatabase().KeyExistsAsync("herd:gateway:gateway-gone"), exists => !exists);

        var popped = await PopAllAsync(queue, ["m"]);

        Assert.Equal(["kept"], popped.Select(job => job.JobId));
        Assert.Equal(RemoveResult.Unknown, await queue.RemoveIfQueuedAsync("orphan-1"));
        Assert.Equal(RemoveResult.Unknown, await queue.RemoveIfQueuedAsync("orphan-2"));
    }

    [Fact]
    public async Task TryPop_ConcurrentPoppers_NeverHandOutAJobTwice()
    {
        const int Jobs = 200;
        var options = new QueueOptions { KeyPrefix = "{herd-test}:" };
        var queue = await CreateQueueAsync(options);
        await Task.WhenAll(Enumerable.Range(0, Jobs).Select(i => queue.EnqueueAsync(Job($"job-{i}", priority: i % 4))));

        var taken = new ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(popper => Task.Run(async () =>
        {
            // Each popper has its own connection, as separate gateways would.
            await using var connection = await Redis.ConnectAsync();
            var own = new JobQueue(connection, Options.Create(options));
            while (await own.TryPopAsync(["m"], $"node-{popper}", $"gateway-{popper}") is { } job)
            {
                taken.Add(job.JobId);
            }
        })));

        Assert.Equal(Jobs, taken.Count);
        Assert.Equal(Jobs, taken.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(0, await queue.DepthAsync("m"));
    }

    [Fact]
    public async Task Queue_RedisKilledAndRestartedWithAppendOnly_KeepsEveryJob()
    {
        var queue = await CreateQueueAsync(new QueueOptions { LeaseDuration = TimeSpan.FromMilliseconds(500) });
        await EnqueueAllAsync(queue, Job("assigned", priority: 9), Job("low", priority: 0), Job("high", priority: 5));
        await queue.TryPopAsync(["m"], "node-1", Server);

        await Redis.RestartAsync(Posix.SigKill);
        await PollAsync(IsReachableAsync, reachable => reachable);

        Assert.Equal(2, await queue.DepthAsync("m"));
        Assert.Equal(RemoveResult.NotQueued(JobState.Assigned, "node-1", Server, started: false), await queue.RemoveIfQueuedAsync("assigned"));
        var sweep = await PollAsync(() => queue.SweepExpiredLeasesAsync(10), result => result.Count > 0);
        Assert.Equal(["assigned"], sweep.Requeued);
        Assert.Equal(["assigned", "high", "low"], (await PopAllAsync(queue, ["m"])).Select(job => job.JobId));
        Assert.Equal(EnqueueOutcome.Enqueued, (await queue.EnqueueAsync(Job("after-restart"))).Outcome);
    }

    [Fact]
    public async Task Enqueue_Subscriber_HearsTheModel()
    {
        var queue = await CreateQueueAsync();
        await using var notifications = await queue.SubscribeAsync();

        await queue.EnqueueAsync(Job("job-1", model: "llama"));

        using var timeout = new CancellationTokenSource(Deadline);
        Assert.Equal("llama", await notifications.Models.ReadAsync(timeout.Token));
    }

    [Fact]
    public async Task Requeue_Subscriber_HearsTheModel()
    {
        var queue = await CreateQueueAsync();
        await queue.EnqueueAsync(Job("job-1", model: "llama"));
        await queue.TryPopAsync(["llama"], "node-1", Server);
        await using var notifications = await queue.SubscribeAsync();

        await queue.RequeueAsync("job-1");

        using var timeout = new CancellationTokenSource(Deadline);
        Assert.Equal("llama", await notifications.Models.ReadAsync(timeout.Token));
    }

    private static QueuedJob Job(string id, string model = "m", int priority = 0, string owner = Owner) =>
        new(id, model, priority, owner, Encoding.UTF8.GetBytes($"payload of {id}"));

    private static async Task EnqueueAllAsync(JobQueue queue, params QueuedJob[] jobs)
    {
        foreach (var job in jobs)
        {
            Assert.Equal(EnqueueOutcome.Enqueued, (await queue.EnqueueAsync(job)).Outcome);
        }
    }

    private static async Task<List<PoppedJob>> PopAllAsync(JobQueue queue, string[] models)
    {
        var popped = new List<PoppedJob>();
        while (await queue.TryPopAsync(models, "node-1", Server) is { } job)
        {
            popped.Add(job);
        }

        return popped;
    }

    private static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }

    private async Task<JobQueue> CreateQueueAsync(QueueOptions? options = null)
    {
        var queue = new JobQueue(Connection, Options.Create(options ?? new QueueOptions()));
        await queue.RefreshGatewayAsync(Owner, TimeSpan.FromMinutes(5));
        return queue;
    }

    private async Task<bool> IsReachableAsync()
    {
        try
        {
            await Connection.GetDatabase().PingAsync();
            return true;
        }
        catch (RedisException)
        {
            return false;
        }
    }
}
