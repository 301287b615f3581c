namespace Herd.Gateway.Queue;

/// <summary>What one <see cref="JobQueue.SweepExpiredLeasesAsync"/> call did.</summary>
/// <param name="Requeued">Jobs that had delivered no token, back at the front of their queues.</param>
/// <param name="Failed">Jobs that had delivered tokens, removed; their owners must be told.</param>
public sealed record LeaseSweep(IReadOnlyList<string> Requeued, IReadOnlyList<FailedJob> Failed)
{
    public int Count => Requeued.Count + Failed.Count;
}
