using System.ComponentModel.DataAnnotations;

namespace Herd.Gateway.Queue;

/// <summary>The job queue's settings, bound from the <c>Herd:Gateway:Queue</c> section.</summary>
public sealed record QueueOptions
{
    public const string Section = "Herd:Gateway:Queue";

    /// <summary>
    /// Starts every Redis key and channel of one herd. Gateways of the same herd must agree on it;
    /// with Redis Cluster use a hash tag such as <c>{herd}:</c> so that all keys share one slot.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string KeyPrefix { get; init; } = "herd:";

    /// <summary>Jobs one model's queue may hold; beyond it enqueueing answers queue full.</summary>
    [Range(1, 1_000_000)]
    public int MaxDepthPerModel { get; init; } = 1000;

    /// <summary>
    /// How long a job must wait to pass a job one priority level above it that arrived later.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan AgingPerPriorityLevel { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an assigned job stays leased without renewal before it is requeued or failed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a caller lets a job wait in the queue before it gives up on it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// When a node linked to the gateway that takes a request has a free slot for its model, and
    /// no waiting job that node could serve goes first, the job is assigned to it in the same
    /// Redis step that records it, instead of waiting for a dispatcher to pop it. Either way the
    /// job is recorded and leased in Redis before its node gets it.
    /// </summary>
    public bool AssignOnArrival { get; init; } = true;

    /// <summary>The retry hint given to a client whose model's queue is full.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan QueueFullRetryAfter { get; init; } = TimeSpan.FromSeconds(2);
}
