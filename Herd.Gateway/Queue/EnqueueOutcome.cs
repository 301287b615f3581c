namespace Herd.Gateway.Queue;

public enum EnqueueOutcome
{
    Enqueued,
    QueueFull,

    /// <summary>An admission ticket the job needs was missing: its request was not admitted, or not yet.</summary>
    Unadmitted,

    /// <summary>Recorded and assigned to the node it was offered in the same step; no dispatcher pops it.</summary>
    Assigned,
}
