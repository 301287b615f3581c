using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Herd.Contracts.V1;

namespace Herd.Gateway.Nodes.Links;

/// <summary>
/// The nodes linked to this gateway, by node id, and a signal for whoever hands out work: it
/// fires whenever capacity may have changed (a node linked or left, a slot was released, a
/// heartbeat arrived).
/// </summary>
public sealed class NodeRegistry
{
    private readonly ConcurrentDictionary<string, NodeConnection> _nodes = new(StringComparer.Ordinal);
    private readonly Lock _signalLock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Raised when a node links, after its link is registered and LinkAccepted is queued to it; handlers must not block.</summary>
    public event Action<NodeConnection>? Linked;

    /// <summary>Raised when a linked node began to serve models it did not announce before (it loaded them), with their names; handlers must not block.</summary>
    public event Action<NodeConnection, IReadOnlyList<string>>? ModelsAdded;

    /// <summary>The open links now. A link that has closed is left out even before its call has unregistered it.</summary>
    public IReadOnlyList<NodeConnection> Connections => [.. _nodes.Values.Where(connection => !connection.IsClosed)];

    /// <summary>
    /// Completes at the next capacity change. Take it before looking for capacity and await it
    /// when there is none, so that a change in between is not missed.
    /// </summary>
    public Task CapacityChanged
    {
        get
        {
            lock (_signalLock)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>
    /// The longest context among the open links that take work and serve <paramref name="model"/>,
    /// or 0 when none does; asked on every request, so it copies nothing.
    /// </summary>
    public int LongestContextTakingWork(string model)
    {
        var longest = 0;
        foreach (var (_, connection) in _nodes)
        {
            if (!connection.IsClosed && !connection.IsDraining)
            {
                longest = Math.Max(longest, connection.ContextLength(model));
            }
        }

        return longest;
    }

    /// <summary>
    /// What the open links that take work announced for <paramref name="model"/>, one entry per
    /// node: its adapters and experts with it. Copies, so it is asked only of names with adapters.
    /// </summary>
    public IReadOnlyList<ServedModel> ServedTakingWork(string model)
    {
        var served = new List<ServedModel>();
        foreach (var (_, connection) in _nodes)
        {
            if (!connection.IsClosed && !connection.IsDraining && connection.Served(model) is { } offered)
            {
                served.Add(offered);
            }
        }

        return served;
    }

    /// <summary>The node's open link, if it has one.</summary>
    public bool TryGet(string nodeId, [NotNullWhen(true)] out NodeConnection? connection)
    {
        if (_nodes.TryGetValue(nodeId, out connection) && !connection.IsClosed)
        {
            return true;
        }

        connection = null;
        return false;
    }

    /// <summary>Waits for the next capacity change.</summary>
    public Task WaitForCapacityChangeAsync(CancellationToken cancellationToken) => CapacityChanged.WaitAsync(cancellationToken);

    public void NotifyCapacityChanged()
    {
        TaskCompletionSource changed;
        lock (_signalLock)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    internal void NotifyModelsChanged(NodeConnection connection, IReadOnlyList<string> added)
    {
        NotifyCapacityChanged();
        if (added.Count > 0)
        {
            ModelsAdded?.Invoke(connection, added);
        }
    }

    /// <summary>Adds a link; returns the older link of the same node id, which it replaces.</summary>
    internal NodeConnection? Add(NodeConnection connection)
    {
        NodeConnection? replaced = null;
        _nodes.AddOrUpdate(connection.NodeId, connection, (_, older) =>
        {
            replaced = older;
            return connection;
        });
        NotifyCapacityChanged();
        Linked?.Invoke(connection);
        return replaced;
    }

    /// <summary>Removes the link if it is still the node's current one.</summary>
    internal void Remove(NodeConnection connection)
    {
        if (_nodes.TryRemove(new KeyValuePair<string, NodeConnection>(connection.NodeId, connection)))
        {
            NotifyCapacityChanged();
        }
    }
}
