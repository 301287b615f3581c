namespace Herd.Gateway.Queue;

/// <summary>A job as its owner gateway hands it to the queue.</summary>
/// <param name="JobId">Unique across the herd.</param>
/// <param name="Model">The model that must serve it; one queue per model.</param>
/// <param name="Priority">Higher runs first, within <see cref="MinPriority"/> and <see cref="MaxPriority"/>.</param>
/// <param name="OwnerGatewayId">The gateway that holds the client's stream.</param>
/// <param name="Payload">Opaque to the queue: the serialized assignment the serving node receives.</param>
public sealed record QueuedJob(string JobId, string Model, int Priority, string OwnerGatewayId, ReadOnlyMemory<byte> Payload)
{
    /// <summary>The node groups that may serve the job, as patterns (<c>*</c> any run of characters); any group when empty.</summary>
    public IReadOnlyList<string> NodeGroups { get; init; } = [];

    /// <summary>
    /// Redis keys that admission scripts set when they admit the job's request, sent just before
    /// the job in the same round trip: the job is queued only if every one exists, and uses them up.
    /// </summary>
    public IReadOnlyList<string> AdmissionTickets { get; init; } = [];

    /// <summary>
    /// The owner's trace context as a W3C <c>traceparent</c>, so that the serving gateway's spans
    /// join the request's trace; null when the request is not traced.
    /// </summary>
    public string? TraceContext { get; init; }

    // Bounded so that priority x aging stays far inside the exact integer range of a Redis score.
    public const int MinPriority = -1000;

    public const int MaxPriority = 1000;

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(JobId, nameof(JobId));
        ArgumentException.ThrowIfNullOrWhiteSpace(Model, nameof(Model));
        ArgumentException.ThrowIfNullOrWhiteSpace(OwnerGatewayId, nameof(OwnerGatewayId));
        ArgumentOutOfRangeException.ThrowIfLessThan(Priority, MinPriority, nameof(Priority));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Priority, MaxPriority, nameof(Priority));
        NodeGroupPatterns.Validate(NodeGroups);
        if (Payload.IsEmpty)
        {
            throw new ArgumentException($"Job {JobId} has no payload; give the serialized assignment.", nameof(Payload));
        }
    }
}
