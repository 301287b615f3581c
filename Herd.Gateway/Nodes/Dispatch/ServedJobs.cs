using System.Collections.Concurrent;
using Herd.Contracts.V1;
using Herd.Gateway.Nodes.Links;

namespace Herd.Gateway.Nodes.Dispatch;

/// <summary>The jobs that nodes linked to this gateway are serving, by job id.</summary>
public sealed class ServedJobs
{
    private readonly ConcurrentDictionary<string, (NodeConnection Connection, string Owner)> _jobs = new(StringComparer.Ordinal);

    public ICollection<string> JobIds => _jobs.Keys;

    public int Count => _jobs.Count;

    /// <summary>The gateways whose clients these jobs serve, with their jobs.</summary>
    public ILookup<string, string> JobsByOwner => _jobs.ToLookup(job => job.Value.Owner, job => job.Key, StringComparer.Ordinal);

    public void Add(string jobId, NodeConnection connection, string ownerGatewayId) => _jobs[jobId] = (connection, ownerGatewayId);

    public void Remove(string jobId) => _jobs.TryRemove(jobId, out _);

    /// <summary>Asks the serving node to stop a job; a job no longer served here is ignored.</summary>
    public async ValueTask CancelAsync(Cancel cancel)
    {
        ArgumentNullException.ThrowIfNull(cancel);
        if (_jobs.TryGetValue(cancel.JobId, out var job))
        {
            await job.Connection.CancelAsync(cancel.JobId, cancel.Reason).ConfigureAwait(false);
        }
    }
}
