using Herd.Gateway.Queue;

namespace Herd.Gateway.Api.Http.Dashboard;

/// <summary>The jobs waiting for one model at one priority.</summary>
public sealed record QueueView(string Model, int Priority, long Waiting, double OldestWaitSeconds)
{
    public static QueueView From(WaitingJobs jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        return new QueueView(jobs.Model, jobs.Priority, jobs.Count, jobs.OldestWait.TotalSeconds);
    }
}
