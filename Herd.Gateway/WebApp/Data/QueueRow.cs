using Herd.Gateway.Queue;

namespace Herd.Gateway.WebApp.Data;

/// <summary>The jobs waiting for one model at one priority.</summary>
public sealed record QueueRow(string Model, int Priority, long Waiting, double OldestWaitSeconds)
{
    public static QueueRow From(WaitingJobs jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        return new QueueRow(jobs.Model, jobs.Priority, jobs.Count, jobs.OldestWait.TotalSeconds);
    }
}
