using Herd.Contracts.V1;
using Herd.Gateway.Relay;
using Herd.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Herd.Tests.Gateway.Relay;

[Collection(WithServers.Name)]
public sealed class JobRelayTests(ServersFixture servers) : IAsyncLifetime
{
    private readonly string _prefix = $"relay-test-{Guid.NewGuid():N}:";
    private readonly List<Cancel> _cancelledOnA = [];
    private readonly List<Cancel> _cancelledOnB = [];
    private ConnectionMultiplexer? _redis;
    private JobRelay? _gatewayA;
    private JobRelay? _gatewayB;

    private JobMailboxes MailboxesA { get; } = new();

    private JobMailboxes MailboxesB { get; } = new();

    public async Task InitializeAsync()
    {
        _redis = await servers.Redis.ConnectAsync();
        _gatewayA = Relay("gateway-a", MailboxesA, _cancelledOnA);
        _gatewayB = Relay("gateway-b", MailboxesB, _cancelledOnB);
        await _gatewayA.StartAsync(CancellationToken.None);
        await _gatewayB.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _gatewayA!.DisposeAsync();
        await _gatewayB!.DisposeAsync();
        await _redis!.DisposeAsync();
    }

    [Fact]
    public async Task ToOwner_OnAnotherGateway_ArrivesThroughRedisInOrder()
    {
        using var mailbox = MailboxesA.Open("job-1");

        for (var i = 0; i < 500; i++)
        {
            await _gatewayB!.ToOwnerAsync("gateway-a", Chunk("job-1", i));
        }

        await _gatewayB!.ToOwnerAsync("gateway-a", new RelayEnvelope { JobId = "job-1", Finished = new JobFinished { JobId = "job-1" } });

        var received = await ReadUntilFinishedAsync(mailbox);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"t{i}"), received);
    }

    [Fact]
    public async Task ToOwner_OnThisGateway_IsDeliveredInMemory()
    {
        using var mailbox = MailboxesA.Open("job-local");

        await _gatewayA!.ToOwnerAsync("gateway-a", Chunk("job-local", 7));

        Assert.True(mailbox.Reader.TryRead(out var envelope));
        Assert.Equal("t7", envelope.Tokens.Text);
    }

    [Fact]
    public async Task ToOwner_ForAJobWhoseCallEnded_IsDroppedAndOthersStillArrive()
    {
        using (MailboxesA.Open("job-gone"))
        {
        }

        using var mailbox = MailboxesA.Open("job-alive");
        await _gatewayB!.ToOwnerAsync("gateway-a", Chunk("job-gone", 1));
        await _gatewayB!.ToOwnerAsync("gateway-a", Chunk("job-alive", 2));
        await _gatewayB!.ToOwnerAsync("gateway-a", new RelayEnvelope { JobId = "job-alive", Finished = new JobFinished() });

        Assert.Equal(["t2"], await ReadUntilFinishedAsync(mailbox));
        Assert.Equal(1, MailboxesA.Count);
    }

    [Fact]
    public async Task Cancel_ReachesTheServingGateway_HereOrThroughRedis()
    {
        await _gatewayA!.CancelAsync("gateway-a", "job-here", "client went away");
        await _gatewayA!.CancelAsync("gateway-b", "job-there", "client cancelled");

        Assert.Equal("job-here", Assert.Single(_cancelledOnA).JobId);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_cancelledOnB.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        var cancel = Assert.Single(_cancelledOnB);
        Assert.Equal("job-there", cancel.JobId);
        Assert.Equal("client cancelled", cancel.Reason);
    }

    [Fact]
    public void Open_TheSameJobTwice_IsRefused()
    {
        using var first = MailboxesB.Open("job-twice");

        Assert.Throws<InvalidOperationException>(() => MailboxesB.Open("job-twice"));
    }

    private static RelayEnvelope Chunk(string jobId, int index) =>
        new() { JobId = jobId, Tokens = new TokenChunk { JobId = jobId, Text = $"t{index}", TokenIds = { index } } };

    private static async Task<List<string>> ReadUntilFinishedAsync(JobMailbox mailbox)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var texts = new List<string>();
        await foreach (var envelope in mailbox.Reader.ReadAllAsync(timeout.Token))
        {
            if (envelope.KindCase == RelayEnvelope.KindOneofCase.Finished)
            {
                break;
            }

            texts.Add(envelope.Tokens.Text);
        }

        return texts;
    }

    private JobRelay Relay(string gatewayId, JobMailboxes mailboxes, List<Cancel> cancelled) =>
        new(_redis!, gatewayId, _prefix, mailboxes, cancel =>
        {
            lock (cancelled)
            {
                cancelled.Add(cancel);
            }

            return ValueTask.CompletedTask;
        }, NullLogger<JobRelay>.Instance);
}
