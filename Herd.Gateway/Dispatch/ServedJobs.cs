using System.Collections.Concurrent;
using Herd.Contracts.V1;
using Herd.Gateway.Links;

namespace Herd.Gateway.Dispatch;

/// <summary>The jobs that nodes linked to this gateway are serving, by job id.</summary>
public sealed class ServedJobs
{
    private readonly ConcurrentDictionary<string, NodeConnection> _jobs = new(StringComparer.Ordinal);

    public ICollection<string> JobIds => _jobs.Keys;

    public int Count => _jobs.Count;

    public void Add(string jobId, NodeConnection connection) => _jobs[jobId] = connection;

    public void Remove(string jobId) => _jobs.TryRemove(jobId, out _);

    /// <summary>Asks the serving node to stop a job; a job no longer served here is ignored.</summary>
    public async ValueTask CancelAsync(Cancel cancel)
    {
        ArgumentNullException.ThrowIfNull(cancel);
        if (_jobs.TryGetValue(cancel.JobId, out var connection))
        {
            await connection.CancelAsync(cancel.JobId, cancel.Reason).ConfigureAwait(false);
        }
    }
}
