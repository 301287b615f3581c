namespace Herd.Gateway.Queue;

public enum EnqueueOutcome
{
    Enqueued,
    QueueFull,
}
