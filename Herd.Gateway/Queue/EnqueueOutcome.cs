namespace Herd.Gateway.Queue;

public enum EnqueueOutcome
{
    Enqueued,
    QueueFull,

    /// <summary>An admission ticket the job needs was missing: its request was not admitted, or not yet.</summary>
    Unadmitted,
}
