// In namespace Herd, as HopTimestamps is: a mark anywhere in Herd's code is one line, with no using.
namespace Herd;

/// <summary>
/// The hops of a job's first token, in the order the token's path meets them: from the client's
/// request through the gateway, the queue and the node link to the node's engine, and back.
/// </summary>
public static class HopNames
{
    /// <summary>The completion runner took the request (the job's id is known).</summary>
    public const string GatewayReceived = "gateway.received";

    /// <summary>Redis answered the enqueue (which, for a job assigned on arrival, also assigned it).</summary>
    public const string GatewayEnqueued = "gateway.enqueued";

    /// <summary>The job was given to a node's link: popped by a dispatcher, or assigned on arrival.</summary>
    public const string GatewayDispatched = "gateway.dispatched";

    /// <summary>The assignment was written to the node's stream.</summary>
    public const string GatewayAssignWritten = "gateway.assign_written";

    /// <summary>The node's link reader took the assignment.</summary>
    public const string NodeReceived = "node.received";

    /// <summary>The node's job runner starts generating.</summary>
    public const string NodeStarted = "node.started";

    /// <summary>The node's engine produced the job's first text.</summary>
    public const string NodeFirstToken = "node.first_token";

    /// <summary>The node wrote a chunk of the job's tokens to its stream (the first one counts).</summary>
    public const string NodeChunkWritten = "node.chunk_written";

    /// <summary>The gateway serving the job read a chunk of its tokens from the node (the first one counts).</summary>
    public const string GatewayTokenReceived = "gateway.token_received";

    /// <summary>The job's owner hands a chunk of tokens to the client's door (the first one counts).</summary>
    public const string GatewayTokenSent = "gateway.token_sent";

    /// <summary>Every hop, in the path's order.</summary>
    public static IReadOnlyList<string> Path { get; } =
    [
        GatewayReceived, GatewayEnqueued, GatewayDispatched, GatewayAssignWritten,
        NodeReceived, NodeStarted, NodeFirstToken, NodeChunkWritten,
        GatewayTokenReceived, GatewayTokenSent,
    ];
}
