using System.Text;
using Herd.Gateway.Queue;
using Herd.Tests.Fixtures;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Tests.Gateway.Queue;

/// <summary>What the dashboard shows of the queue, read from a real redis-server, one private server per test.</summary>
public sealed class QueueBacklogTests : IAsyncLifetime
{
    private const string Owner = "gateway-a";

    private RedisServer? _redis;
    private ConnectionMultiplexer? _connection;

    private ConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync(appendOnly: false);
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
    public async Task Waiting_CountsEachPriorityOverEveryQueueOfTheModel_HighestFirst()
    {
        var (queue, backlog) = await CreateAsync();
        await queue.EnqueueAsync(Job("first", "m", priority: 0));
        await queue.EnqueueAsync(Job("grouped", "m", priority: 0, groups: ["team-a"]));
        await queue.EnqueueAsync(Job("urgent", "m", priority: 5));
        await queue.EnqueueAsync(Job("elsewhere", "other", priority: 5));

        var waiting = await backlog.WaitingAsync("m");

        Assert.Equal([(5, 1L), (0, 2L)], waiting.Select(jobs => (jobs.Priority, jobs.Count)));
        Assert.All(waiting, jobs => Assert.Equal("m", jobs.Model));
        // "first" waited since before "urgent" was enqueued.
        Assert.True(waiting[1].OldestWait >= waiting[0].OldestWait, $"{waiting[1].OldestWait} < {waiting[0].OldestWait}");
        Assert.True(waiting[0].OldestWait >= TimeSpan.Zero);
    }

    [Fact]
    public async Task Waiting_LeavesOutJobsAlreadyAssigned()
    {
        var (queue, backlog) = await CreateAsync();
        await queue.EnqueueAsync(Job("low", "m", priority: 0));
        await queue.EnqueueAsync(Job("high", "m", priority: 9));

        var popped = await queue.TryPopAsync(["m"], "node-1", Owner);
        var waiting = await backlog.WaitingAsync("m");

        Assert.Equal("high", popped?.JobId);
        Assert.Equal([(0, 1L)], waiting.Select(jobs => (jobs.Priority, jobs.Count)));
    }

    [Fact]
    public async Task Waiting_ModelWithNoJobs_IsEmpty()
    {
        var (_, backlog) = await CreateAsync();

        Assert.Empty(await backlog.WaitingAsync("m"));
    }

    private async Task<(JobQueue Queue, QueueBacklog Backlog)> CreateAsync()
    {
        var options = Options.Create(new QueueOptions());
        var queue = new JobQueue(Connection, options);
        await queue.RefreshGatewayAsync(Owner, TimeSpan.FromMinutes(5));
        return (queue, new QueueBacklog(Connection, options));
    }

    private static QueuedJob Job(string id, string model, int priority, string[]? groups = null) =>
        new(id, model, priority, Owner, Encoding.UTF8.GetBytes($"payload of {id}")) { NodeGroups = groups ?? [] };
}
