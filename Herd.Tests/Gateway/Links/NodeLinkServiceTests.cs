using Grpc.Core;
using Grpc.Net.Client;
using Herd.Contracts.V1;
using Herd.Gateway.Nodes.Links;
using Herd.Tests.Fixtures;

namespace Herd.Tests.Gateway.Links;

/// <summary>The gateway's end of NodeLink, driven by a test client that plays the node.</summary>
public sealed class NodeLinkServiceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Connect_WhenTheGatewayHasNoSecret_RefusesWithFailedPrecondition()
    {
        await using var gateway = await GatewayHost.StartAsync(secret: null);
        using var channel = GrpcChannel.ForAddress(gateway.Url);
        using var call = new NodeLink.NodeLinkClient(channel).Connect();

        await call.RequestStream.WriteAsync(Hello("node-a", "anything"));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("HERD_NODE_SECRET", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(gateway.Registry.Connections);
    }

    [Fact]
    public async Task Connect_WithAWrongSecret_RefusesAsUnauthenticated()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var channel = GrpcChannel.ForAddress(gateway.Url);
        using var call = new NodeLink.NodeLinkClient(channel).Connect();

        await call.RequestStream.WriteAsync(Hello("node-a", "not-the-secret"));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.DoesNotContain("not-the-secret", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(gateway.Registry.Connections);
    }

    [Fact]
    public async Task Connect_WithAnInvalidGroup_IsRefusedNamingIt()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var channel = GrpcChannel.ForAddress(gateway.Url);
        using var call = new NodeLink.NodeLinkClient(channel).Connect();
        var hello = Hello("node-a", GatewayHost.Secret);
        hello.Hello.Group = "Team A";

        await call.RequestStream.WriteAsync(hello);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("'Team A'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(gateway.Registry.Connections);
    }

    [Theory]
    [InlineData("", "default")]
    [InlineData("team-a", "team-a")]
    public async Task Connect_NodeGroup_IsTheHellosOrDefault(string announced, string expected)
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var channel = GrpcChannel.ForAddress(gateway.Url);
        using var call = new NodeLink.NodeLinkClient(channel).Connect();
        var hello = Hello("node-a", GatewayHost.Secret);
        hello.Hello.Group = announced;

        await call.RequestStream.WriteAsync(hello);
        var connection = await gateway.WaitForNodeAsync("node-a", Timeout);

        Assert.Equal(expected, connection.Group);
    }

    [Fact]
    public async Task Connect_WithoutAHello_EndsWithDeadlineExceeded()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var channel = GrpcChannel.ForAddress(gateway.Url);
        using var call = new NodeLink.NodeLinkClient(channel).Connect();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Connect_WithTheSecret_IsAcceptedAndRegistered()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await using var node = await FakeNode.LinkAsync(gateway, "node-a");

        var connection = await gateway.WaitForNodeAsync("node-a", Timeout);

        Assert.Equal("gateway-under-test", node.Accepted.GatewayId);
        Assert.Equal(TimeSpan.FromMilliseconds(200), node.Accepted.HeartbeatInterval.ToTimeSpan());
        Assert.Equal(2, connection.Slots);
        Assert.True(connection.Serves("herd-tiny"));
        Assert.False(connection.Serves("other-model"));
        Assert.Equal("cpu", connection.Hello.Device);
    }

    [Fact]
    public async Task AssignAsync_RoutesTheNodesMessagesToTheirJob_AndEndsTheReaderAfterTheLast()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await using var node = await FakeNode.LinkAsync(gateway, "node-a");
        var connection = await gateway.WaitForNodeAsync("node-a", Timeout);

        Assert.True(connection.TryReserveSlot());
        Assert.True(connection.TryReserveSlot());
        Assert.False(connection.TryReserveSlot());
        var first = await connection.AssignAsync(new Assign { JobId = "job-1", Model = "herd-tiny", Prompt = "a" }, CancellationToken.None);
        var second = await connection.AssignAsync(new Assign { JobId = "job-2", Model = "herd-tiny", Prompt = "b" }, CancellationToken.None);
        Assert.Equal("job-1", (await node.NextAsync()).Assign.JobId);
        Assert.Equal("job-2", (await node.NextAsync()).Assign.JobId);
        await node.SendAsync(new NodeMessage { Tokens = new TokenChunk { JobId = "job-2", Text = "two" } });
        await node.SendAsync(new NodeMessage { Tokens = new TokenChunk { JobId = "job-1", Text = "one" } });
        await node.SendAsync(new NodeMessage { Finished = new JobFinished { JobId = "job-1", FinishReason = FinishReason.Stop, Usage = new Usage { CompletionTokens = 1 } } });
        await node.SendAsync(new NodeMessage { Failed = new JobFailed { JobId = "job-2", StatusCode = 3, Message = "too long", TokensDelivered = 1 } });
        var firstMessages = await ReadAllAsync(first);
        var secondMessages = await ReadAllAsync(second);
        connection.ReleaseSlot();

        Assert.Equal(["one"], firstMessages.Where(m => m.KindCase == NodeMessage.KindOneofCase.Tokens).Select(m => m.Tokens.Text));
        Assert.Equal(FinishReason.Stop, firstMessages[^1].Finished.FinishReason);
        Assert.Equal(["two"], secondMessages.Where(m => m.KindCase == NodeMessage.KindOneofCase.Tokens).Select(m => m.Tokens.Text));
        Assert.Equal(3, secondMessages[^1].Failed.StatusCode);
        Assert.Equal(1, connection.SlotsInUse);
        Assert.True(connection.TryReserveSlot());
    }

    [Fact]
    public async Task CancelAndDrain_ReachTheNode_AndADrainingNodeGetsNoSlot()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await using var node = await FakeNode.LinkAsync(gateway, "node-a");
        var connection = await gateway.WaitForNodeAsync("node-a", Timeout);

        await connection.CancelAsync("job-9", "client went away");
        await connection.DrainAsync("maintenance");

        var cancel = await node.NextAsync();
        var drain = await node.NextAsync();
        Assert.Equal("job-9", cancel.Cancel.JobId);
        Assert.Equal("client went away", cancel.Cancel.Reason);
        Assert.Equal("maintenance", drain.Drain.Reason);
        Assert.True(connection.IsDraining);
        Assert.False(connection.TryReserveSlot());
    }

    [Fact]
    public async Task ALinkThatDrops_FailsItsOpenJobsWithNodeLinkLost()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var node = await FakeNode.LinkAsync(gateway, "node-a");
        var connection = await gateway.WaitForNodeAsync("node-a", Timeout);
        var job = await connection.AssignAsync(new Assign { JobId = "job-1", Prompt = "a" }, CancellationToken.None);
        await node.NextAsync();
        await node.SendAsync(new NodeMessage { Tokens = new TokenChunk { JobId = "job-1", Text = "x" } });

        await node.DisposeAsync();
        var lost = await Assert.ThrowsAsync<NodeLinkLostException>(() => ReadAllAsync(job));
        await connection.Closed.WaitAsync(Timeout);

        Assert.Equal("node-a", lost.NodeId);
        Assert.Equal("job-1", lost.JobId);
        Assert.False(gateway.Registry.TryGet("node-a", out _));
        await Assert.ThrowsAsync<NodeLinkLostException>(async () => await connection.AssignAsync(new Assign { JobId = "job-2", Prompt = "a" }, CancellationToken.None));
    }

    [Fact]
    public async Task ANodeThatLinksAgain_ReplacesItsOlderLink_WhoseJobsAreLost()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await using var older = await FakeNode.LinkAsync(gateway, "node-a");
        var olderConnection = await gateway.WaitForNodeAsync("node-a", Timeout);
        var job = await olderConnection.AssignAsync(new Assign { JobId = "job-1", Prompt = "a" }, CancellationToken.None);

        await using var newer = await FakeNode.LinkAsync(gateway, "node-a");

        await Assert.ThrowsAsync<NodeLinkLostException>(() => ReadAllAsync(job));
        Assert.True(gateway.Registry.TryGet("node-a", out var current));
        Assert.NotSame(olderConnection, current);
        Assert.True(olderConnection.IsClosed);
        Assert.Single(gateway.Registry.Connections);
    }

    private static NodeMessage Hello(string nodeId, string secret)
    {
        var hello = new NodeHello { NodeId = nodeId, Secret = secret, Slots = 2, Device = "cpu", Build = "test" };
        hello.Models.Add(new ServedModel { Name = "herd-tiny", ContextLength = 512 });
        return new NodeMessage { Hello = hello };
    }

    private static async Task<List<NodeMessage>> ReadAllAsync(System.Threading.Channels.ChannelReader<NodeMessage> reader)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var messages = new List<NodeMessage>();
        await foreach (var message in reader.ReadAllAsync(timeout.Token))
        {
            messages.Add(message);
        }

        return messages;
    }

    /// <summary>A test client in the node's place: says hello, heartbeats, and shows what the gateway sends.</summary>
    private sealed class FakeNode : IAsyncDisposable
    {
        private readonly GrpcChannel _channel;
        private readonly AsyncDuplexStreamingCall<NodeMessage, GatewayMessage> _call;
        private readonly SemaphoreSlim _writeLock = new(1, 1);
        private readonly CancellationTokenSource _stop = new();
        private Task _heartbeats = Task.CompletedTask;

        private FakeNode(GrpcChannel channel, AsyncDuplexStreamingCall<NodeMessage, GatewayMessage> call)
        {
            _channel = channel;
            _call = call;
        }

        public LinkAccepted Accepted { get; private set; } = new();

        public static async Task<FakeNode> LinkAsync(GatewayHost gateway, string nodeId)
        {
            var channel = GrpcChannel.ForAddress(gateway.Url);
            var node = new FakeNode(channel, new NodeLink.NodeLinkClient(channel).Connect());
            await node.SendAsync(Hello(nodeId, GatewayHost.Secret));
            node.Accepted = (await node.NextAsync()).Accepted;
            node._heartbeats = node.HeartbeatAsync();
            return node;
        }

        /// <summary>The next message from the gateway.</summary>
        public async Task<GatewayMessage> NextAsync()
        {
            using var timeout = new CancellationTokenSource(Timeout);
            Assert.True(await _call.ResponseStream.MoveNext(timeout.Token));
            return _call.ResponseStream.Current;
        }

        public async Task SendAsync(NodeMessage message)
        {
            await _writeLock.WaitAsync();
            try
            {
                await _call.RequestStream.WriteAsync(message);
            }
            finally
            {
                _writeLock.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _heartbeats;
            _call.Dispose();
            _channel.Dispose();
            _stop.Dispose();
            _writeLock.Dispose();
        }

        private async Task HeartbeatAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    await SendAsync(new NodeMessage { Heartbeat = new NodeHeartbeat { FreeSlots = 2 } });
                    await Task.Delay(Accepted.HeartbeatInterval.ToTimeSpan(), _stop.Token);
                }
            }
            catch (Exception error) when (error is OperationCanceledException or RpcException or InvalidOperationException)
            {
                // Stopped, or the gateway ended the call.
            }
        }
    }
}
