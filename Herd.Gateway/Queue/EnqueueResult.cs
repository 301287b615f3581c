namespace Herd.Gateway.Queue;

/// <summary>What became of a job handed to <see cref="JobQueue.EnqueueAsync"/>.</summary>
/// <param name="Position">1 when the job is next to pop from its model's queue; 0 when it was refused or assigned on arrival.</param>
/// <param name="Depth">Jobs in the model's queue after the call.</param>
/// <param name="RetryAfter">For a full queue, when the client may try again.</param>
public sealed record EnqueueResult(EnqueueOutcome Outcome, long Position, long Depth, TimeSpan RetryAfter)
{
    /// <summary>For <see cref="EnqueueOutcome.Assigned"/>: the job, assigned and leased, for its node to serve.</summary>
    public PoppedJob? Assigned { get; private init; }

    public static EnqueueResult AssignedOnArrival(PoppedJob job) => new(EnqueueOutcome.Assigned, 0, 0, TimeSpan.Zero) { Assigned = job };

    public static EnqueueResult Enqueued(long position, long depth) => new(EnqueueOutcome.Enqueued, position, depth, TimeSpan.Zero);

    public static readonly EnqueueResult Unadmitted = new(EnqueueOutcome.Unadmitted, 0, 0, TimeSpan.Zero);

    public static EnqueueResult QueueFull(long depth, TimeSpan retryAfter) => new(EnqueueOutcome.QueueFull, 0, depth, retryAfter);
}
