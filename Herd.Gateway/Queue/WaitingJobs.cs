namespace Herd.Gateway.Queue;

/// <summary>The jobs that wait for one model at one priority.</summary>
/// <param name="OldestWait">How long the longest-waiting of them has waited, by the Redis server's clock.</param>
public sealed record WaitingJobs(string Model, int Priority, long Count, TimeSpan OldestWait);
