using System.Collections.Concurrent;
using System.Threading.Channels;
using Herd.Contracts.V1;

namespace Herd.Gateway.Relay;

/// <summary>
/// Where a job's events wait for the client call that owns it, on the owner gateway. One mailbox
/// per job, in arrival order; events for a job whose call has ended are dropped.
/// </summary>
public sealed class JobMailboxes
{
    private readonly ConcurrentDictionary<string, Channel<RelayEnvelope>> _mailboxes = new(StringComparer.Ordinal);

    public int Count => _mailboxes.Count;

    /// <summary>Opens the mailbox of a job; disposing the returned mailbox closes it.</summary>
    /// <exception cref="InvalidOperationException">A mailbox for this job is already open.</exception>
    public JobMailbox Open(string jobId)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        var channel = Channel.CreateUnbounded<RelayEnvelope>(new UnboundedChannelOptions { SingleReader = true });
        if (!_mailboxes.TryAdd(jobId, channel))
        {
            throw new InvalidOperationException($"Job {jobId} already has a mailbox.");
        }

        return new JobMailbox(jobId, channel.Reader, () => _mailboxes.TryRemove(jobId, out _));
    }

    /// <returns>False when no call waits for this job any more.</returns>
    public bool Deliver(RelayEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return _mailboxes.TryGetValue(envelope.JobId, out var channel) && channel.Writer.TryWrite(envelope);
    }
}

/// <summary>The events of one job, read by the call that owns it.</summary>
public sealed class JobMailbox(string jobId, ChannelReader<RelayEnvelope> reader, Action close) : IDisposable
{
    public string JobId { get; } = jobId;

    public ChannelReader<RelayEnvelope> Reader { get; } = reader;

    public void Dispose() => close();
}
