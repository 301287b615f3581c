using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Configuration;
using Herd.Gateway.Queue;
using Microsoft.Extensions.Options;

namespace Herd.Gateway.Nodes.Links;

/// <summary>
/// The gateway's end of NodeLink: authenticates the node's hello against the node secret,
/// accepts the link, and serves it as a <see cref="NodeConnection"/> in the <see cref="NodeRegistry"/>
/// until either side ends it.
/// </summary>
public sealed partial class NodeLinkService(
    NodeRegistry registry,
    IOptions<GatewayOptions> options,
    IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    ILogger<NodeLinkService> logger) : NodeLink.NodeLinkBase
{
    public override async Task Connect(IAsyncStreamReader<NodeMessage> requestStream, IServerStreamWriter<GatewayMessage> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // The node should link to another replica, or to this gateway once it is back.
            throw new RpcException(new Status(StatusCode.Unavailable, "The gateway is stopping."));
        }

        var hello = await ReadHelloAsync(requestStream, context);
        Authenticate(hello, context.Peer);
        Validate(hello);

        var accepted = new LinkAccepted
        {
            GatewayId = options.Value.GatewayId,
            HeartbeatInterval = Duration.FromTimeSpan(options.Value.HeartbeatInterval),
        };
        var connection = new NodeConnection(hello, context.Peer, accepted, responseStream, registry, logger);
        if (registry.Add(connection) is { } replaced)
        {
            LogReplaced(hello.NodeId, replaced.RemoteAddress);
            replaced.Close("the node linked again");
        }

        var models = string.Join(", ", hello.Models.Select(model => model.Name));
        LogLinked(hello.NodeId, context.Peer, hello.Slots, hello.Device, models, hello.Build);
        try
        {
            await connection.RunAsync(requestStream, context.CancellationToken, lifetime.ApplicationStopping);
        }
        finally
        {
            registry.Remove(connection);
            LogUnlinked(hello.NodeId, context.Peer);
        }
    }

    private async Task<NodeHello> ReadHelloAsync(IAsyncStreamReader<NodeMessage> requests, ServerCallContext context)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        deadline.CancelAfter(options.Value.HelloTimeout);
        try
        {
            if (!await requests.MoveNext(deadline.Token))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "The link ended before the node sent NodeHello."));
            }
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
        {
            LogNoHello(context.Peer, options.Value.HelloTimeout.TotalSeconds);
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"No NodeHello within {options.Value.HelloTimeout.TotalSeconds:F0} s: a node's first message must be its hello."));
        }

        return requests.Current.KindCase == NodeMessage.KindOneofCase.Hello
            ? requests.Current.Hello
            : throw new RpcException(new Status(StatusCode.InvalidArgument, $"The first message must be NodeHello, not {requests.Current.KindCase}."));
    }

    private void Authenticate(NodeHello hello, string peer)
    {
        var expected = configuration["HERD_NODE_SECRET"] is { Length: > 0 } fromEnvironment ? fromEnvironment : options.Value.NodeSecret;
        if (string.IsNullOrEmpty(expected))
        {
            LogNoSecretConfigured(hello.NodeId, peer);
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                "This gateway has no node secret configured, so it accepts no nodes: set HERD_NODE_SECRET (or Herd:Gateway:NodeSecret) on the gateway and the same HERD_NODE_SECRET on the nodes."));
        }

        if (!SecretsMatch(expected, hello.Secret))
        {
            LogWrongSecret(hello.NodeId, peer);
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The node secret is missing or wrong."));
        }
    }

    private static void Validate(NodeHello hello)
    {
        if (string.IsNullOrWhiteSpace(hello.NodeId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "NodeHello.node_id is empty: give each node a name (Herd:Node:NodeId)."));
        }

        if (hello.Slots < 1)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"NodeHello.slots must be at least 1, not {hello.Slots}."));
        }

        if (hello.Group.Length > 0 && !NodeGroupPatterns.IsValidGroup(hello.Group))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"NodeHello.group '{hello.Group}' is not a valid node group: 1 to 63 lowercase letters, digits, '.', '_' or '-' (Herd:Node:Group)."));
        }
    }

    // Hashing first makes the comparison take the same time whatever the lengths are.
    private static bool SecretsMatch(string expected, string given) => CryptographicOperations.FixedTimeEquals(
        SHA256.HashData(Encoding.UTF8.GetBytes(expected)),
        SHA256.HashData(Encoding.UTF8.GetBytes(given)));

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} linked from {Peer}: {Slots} slots on {Device}, models {Models}, build {Build}")]
    private partial void LogLinked(string nodeId, string peer, int slots, string device, string models, string build);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} at {Peer} unlinked")]
    private partial void LogUnlinked(string nodeId, string peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {NodeId} linked again; its older link from {Peer} is closed and its jobs are lost")]
    private partial void LogReplaced(string nodeId, string peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused node {NodeId} from {Peer}: the node secret is missing or wrong")]
    private partial void LogWrongSecret(string nodeId, string peer);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused node {NodeId} from {Peer}: this gateway has no node secret; set HERD_NODE_SECRET or Herd:Gateway:NodeSecret")]
    private partial void LogNoSecretConfigured(string nodeId, string peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A link from {Peer} sent no NodeHello within {Seconds:F0} s")]
    private partial void LogNoHello(string peer, double seconds);
}
