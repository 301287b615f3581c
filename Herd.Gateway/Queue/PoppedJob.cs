namespace Herd.Gateway.Queue;

/// <summary>A job taken from the queue for a node, now assigned and leased.</summary>
/// <param name="EnqueuedAt">When the job arrived, by the Redis server's clock.</param>
/// <param name="Waited">How long it waited in the queue, by the same clock.</param>
public sealed record PoppedJob(
    string JobId,
    string Model,
    int Priority,
    string OwnerGatewayId,
    ReadOnlyMemory<byte> Payload,
    DateTimeOffset EnqueuedAt,
    TimeSpan Waited)
{
    /// <summary>The owner's trace context (<see cref="QueuedJob.TraceContext"/>); null when the request is not traced.</summary>
    public string? TraceContext { get; init; }
}
