using Google.Protobuf;
using Herd.Contracts.V1;
using Herd.Gateway.Queue;
using StackExchange.Redis;

namespace Herd.Gateway.Nodes.Links;

/// <summary>
/// Carries a change of a node's models between gateways: the gateway asked, when it holds no link
/// to the node, publishes the command on Redis; the gateway that holds the link runs it and
/// publishes the node's answer on the asker's reply channel. In Kubernetes a node links to one
/// gateway replica, and a client's call may reach any.
/// </summary>
public sealed partial class ModelCommandRelay(NodeRegistry registry, IConnectionMultiplexer redis, string keyPrefix, string gatewayId, ILogger<ModelCommandRelay> logger) : IHostedService
{
    // A load reads a whole model; the asker's own deadline usually ends the wait sooner.
    private static readonly TimeSpan LongestChange = TimeSpan.FromMinutes(30);

    private readonly RedisChannel _commands = RedisChannel.Literal(keyPrefix + "node-commands");
    private ChannelSubscription? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = ChannelSubscription.Start(redis, _commands, RunInBackground, logger);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_subscription is not null)
        {
            await _subscription.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Has <paramref name="linkedGatewayId"/>, which holds the node's link, run <paramref name="command"/>, and returns the node's answer.</summary>
    /// <exception cref="OperationCanceledException">No answer before <paramref name="cancellationToken"/> fired.</exception>
    public async Task<ModelCommandDone> SendAsync(string nodeId, string linkedGatewayId, ModelCommand command, CancellationToken cancellationToken)
    {
        var replyTo = RedisChannel.Literal($"{keyPrefix}node-commands:reply:{Guid.NewGuid():N}");
        var answer = new TaskCompletionSource<ModelCommandDone>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync(replyTo, (_, reply) => answer.TrySetResult(ModelCommandDone.Parser.ParseFrom((byte[])reply!))).ConfigureAwait(false);
        try
        {
            var relayed = new RelayedModelCommand { NodeId = nodeId, Command = command, ReplyTo = replyTo.ToString(), GatewayId = linkedGatewayId };
            await subscriber.PublishAsync(_commands, relayed.ToByteArray()).ConfigureAwait(false);
            return await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await subscriber.UnsubscribeAsync(replyTo).ConfigureAwait(false);
        }
    }

    // Redis calls its handlers in order on one thread: the change runs after it.
    private void RunInBackground(RedisValue message) => _ = RunAsync(RelayedModelCommand.Parser.ParseFrom((byte[])message!));

    private async Task RunAsync(RelayedModelCommand relayed)
    {
        if (relayed.GatewayId != gatewayId || !registry.TryGet(relayed.NodeId, out var connection))
        {
            return;
        }

        ModelCommandDone done;
        try
        {
            using var longest = new CancellationTokenSource(LongestChange);
            done = await connection.ChangeModelsAsync(relayed.Command, longest.Token).ConfigureAwait(false);
        }
        catch (Exception error) when (error is NodeLinkLostException or OperationCanceledException)
        {
            done = new ModelCommandDone { StatusCode = (int)Grpc.Core.StatusCode.Unavailable, Message = error.Message };
        }

        LogRelayed(logger, relayed.NodeId, done.StatusCode);
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(relayed.ReplyTo), done.ToByteArray()).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ran another gateway's change of node {NodeId}'s models (status {Status})")]
    private static partial void LogRelayed(ILogger logger, string nodeId, int status);
}
