using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Queue;

namespace Herd.Gateway.Nodes.Links;

/// <summary>
/// One node's open link: what it announced, its latest heartbeat, the slots this gateway has
/// reserved on it, and its running jobs. Messages for the node go through one outbox written by
/// one task (a gRPC stream takes one write at a time); messages from the node are routed to
/// their job's reader by job id.
/// </summary>
/// <remarks>
/// Slots are reserved and released by the caller: <see cref="TryReserveSlot"/> before
/// <see cref="AssignAsync"/>, <see cref="ReleaseSlot"/> once the job's reader has ended (or the
/// reservation was not used).
/// </remarks>
public sealed partial class NodeConnection
{
    private readonly IServerStreamWriter<GatewayMessage> _responses;
    private readonly NodeRegistry _registry;
    private readonly TimeSpan _heartbeatInterval;
    private readonly ILogger _logger;
    private readonly Channel<GatewayMessage> _outbox = Channel.CreateUnbounded<GatewayMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, Channel<NodeMessage>> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ModelCommandDone>> _commands = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _slotLock = new();
    private int _slotsInUse;
    private long _lastSeenTicks;
    private volatile NodeHeartbeat? _lastHeartbeat;
    private volatile IReadOnlyList<ServedModel> _models;
    private volatile bool _drainRequested;
    private volatile bool _isClosed;
    private volatile CancellationTokenSource? _running;
    private string _closeReason = "the link closed";

    internal NodeConnection(NodeHello hello, string remoteAddress, LinkAccepted accepted, IServerStreamWriter<GatewayMessage> responses, NodeRegistry registry, ILogger logger)
    {
        Hello = hello;
        _models = [.. hello.Models];
        RemoteAddress = remoteAddress;
        _responses = responses;
        _registry = registry;
        _heartbeatInterval = accepted.HeartbeatInterval.ToTimeSpan();
        _logger = logger;
        LinkedAt = DateTimeOffset.UtcNow;
        _lastSeenTicks = LinkedAt.UtcTicks;
        _outbox.Writer.TryWrite(new GatewayMessage { Accepted = accepted });
    }

    public string NodeId => Hello.NodeId;

    /// <summary>The node's group; <see cref="NodeGroupPatterns.DefaultGroup"/> when it named none.</summary>
    public string Group => Hello.Group is { Length: > 0 } group ? group : NodeGroupPatterns.DefaultGroup;

    /// <summary>What the node announced when it linked: models, slots, device, build.</summary>
    public NodeHello Hello { get; }

    /// <summary>The node's models as it announced them last: in its hello, or since, when they or their experts changed.</summary>
    public IReadOnlyList<ServedModel> Models => _models;

    /// <summary>Where the node connected from, as gRPC reports the peer.</summary>
    public string RemoteAddress { get; }

    public DateTimeOffset LinkedAt { get; }

    /// <summary>The node's latest heartbeat; null until the first arrives.</summary>
    public NodeHeartbeat? LastHeartbeat => _lastHeartbeat;

    /// <summary>When anything last arrived from the node.</summary>
    public DateTimeOffset LastSeen => new(Interlocked.Read(ref _lastSeenTicks), TimeSpan.Zero);

    /// <summary>Sequences the node runs at once.</summary>
    public int Slots => Hello.Slots;

    /// <summary>Slots this gateway has reserved on the node.</summary>
    public int SlotsInUse => Volatile.Read(ref _slotsInUse);

    public int FreeSlots => Math.Max(0, Slots - SlotsInUse);

    /// <summary>The node said it is draining, or this gateway asked it to drain: it takes no new jobs.</summary>
    public bool IsDraining => _drainRequested || _lastHeartbeat?.Draining == true;

    public bool IsClosed => _isClosed;

    /// <summary>Completes when the link has ended.</summary>
    public Task Closed => _closed.Task;

    public bool Serves(string model) => _models.Any(served => served.Name == model);

    /// <summary>What the node announced for <paramref name="model"/> (its adapters and experts); null when it does not serve it.</summary>
    public ServedModel? Served(string model) => _models.FirstOrDefault(served => served.Name == model);

    /// <summary>The context length the node serves <paramref name="model"/> with; 0 when it does not serve it.</summary>
    public int ContextLength(string model)
    {
        foreach (var served in _models)
        {
            if (served.Name == model)
            {
                // A node that reports no context length still serves the model.
                return Math.Max(1, served.ContextLength);
            }
        }

        return 0;
    }

    /// <summary>Takes one slot for a job about to be assigned; false when none is free or the node takes no work.</summary>
    public bool TryReserveSlot()
    {
        lock (_slotLock)
        {
            if (IsClosed || IsDraining || _slotsInUse >= Slots)
            {
                return false;
            }

            _slotsInUse++;
            return true;
        }
    }

    /// <summary>Gives back a slot taken with <see cref="TryReserveSlot"/>.</summary>
    public void ReleaseSlot()
    {
        lock (_slotLock)
        {
            if (_slotsInUse > 0)
            {
                _slotsInUse--;
            }
        }

        _registry.NotifyCapacityChanged();
    }

    /// <summary>
    /// Sends the job to the node and returns the reader of what the node reports for it:
    /// TokenChunk messages, then one JobFinished or JobFailed, after which the reader completes.
    /// If the link drops first, reading throws <see cref="NodeLinkLostException"/>.
    /// </summary>
    /// <exception cref="NodeLinkLostException">The link has already ended.</exception>
    /// <exception cref="InvalidOperationException">A job with this id is already running on the link.</exception>
    public ValueTask<ChannelReader<NodeMessage>> AssignAsync(Assign assign, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assign);
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentException.ThrowIfNullOrEmpty(assign.JobId, nameof(assign));
        var job = Channel.CreateUnbounded<NodeMessage>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = true });
        if (!_jobs.TryAdd(assign.JobId, job))
        {
            throw new InvalidOperationException($"Job {assign.JobId} is already running on node {NodeId}.");
        }

        // Close() may have run between the add above and now, and would have missed this job.
        if (IsClosed || !_outbox.Writer.TryWrite(new GatewayMessage { Assign = assign }))
        {
            _jobs.TryRemove(assign.JobId, out _);
            throw new NodeLinkLostException(NodeId, assign.JobId, _closeReason);
        }

        return ValueTask.FromResult(job.Reader);
    }

    /// <summary>Asks the node to stop the job; it answers with JobFinished (FINISH_REASON_CANCELLED) on the job's reader.</summary>
    public ValueTask CancelAsync(string jobId, string reason, CancellationToken cancellationToken = default) =>
        SendAsync(new GatewayMessage { Cancel = new Cancel { JobId = jobId, Reason = reason } }, cancellationToken);

    /// <summary>Asks the node to finish what it runs and take nothing new; no more slots are reserved on it.</summary>
    public ValueTask DrainAsync(string reason, CancellationToken cancellationToken = default)
    {
        _drainRequested = true;
        _registry.NotifyCapacityChanged();
        return SendAsync(new GatewayMessage { Drain = new Drain { Reason = reason } }, cancellationToken);
    }

    /// <summary>Asks the node to load, unload or switch a model, and waits for its answer.</summary>
    /// <exception cref="NodeLinkLostException">The link ended before the node answered.</exception>
    public async Task<ModelCommandDone> ChangeModelsAsync(ModelCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.CommandId = Guid.NewGuid().ToString("N");
        var answer = new TaskCompletionSource<ModelCommandDone>(TaskCreationOptions.RunContinuationsAsynchronously);
        _commands[command.CommandId] = answer;
        try
        {
            // Close() may have run before the command was registered, and would have missed it.
            if (IsClosed)
            {
                throw new NodeLinkLostException($"The link to node {NodeId} has ended: {_closeReason}");
            }

            await SendAsync(new GatewayMessage { ModelCommand = command }, cancellationToken);
            return await answer.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _commands.TryRemove(command.CommandId, out _);
        }
    }

    /// <summary>Sends the herd's experts of one of the node's models.</summary>
    /// <exception cref="NodeLinkLostException">The link has ended.</exception>
    public ValueTask SendExpertsAsync(HerdExperts experts, CancellationToken cancellationToken = default) =>
        SendAsync(new GatewayMessage { Experts = experts }, cancellationToken);

    public override string ToString() => $"{NodeId} ({RemoteAddress})";

    /// <summary>Serves the link until the node ends it, it breaks, it falls silent, or the gateway stops.</summary>
    /// <param name="callAborted">fires when the node's call is gone (its connection dropped, the node died)</param>
    /// <param name="gatewayStopping">fires when this gateway shuts down</param>
    internal async Task RunAsync(IAsyncStreamReader<NodeMessage> requests, CancellationToken callAborted, CancellationToken gatewayStopping)
    {
        using var running = CancellationTokenSource.CreateLinkedTokenSource(callAborted, gatewayStopping);
        _running = running;
        if (IsClosed)
        {
            await running.CancelAsync();
        }

        var writer = Task.Run(() => WriteAllAsync(running), CancellationToken.None);
        var watchdog = Task.Run(() => WatchAsync(running.Token), CancellationToken.None);
        try
        {
            await foreach (var message in requests.ReadAllAsync(running.Token))
            {
                Interlocked.Exchange(ref _lastSeenTicks, DateTimeOffset.UtcNow.UtcTicks);
                Handle(message);
            }

            Close("the node closed the link");
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or RpcException)
        {
            // Say what happened: only a gateway that shuts down is "stopping"; a node that died or
            // lost its connection aborts the call.
            Close(gatewayStopping.IsCancellationRequested ? "the gateway is stopping"
                : callAborted.IsCancellationRequested ? "the node's connection was lost"
                : $"the link broke ({error.Message})");
        }
        finally
        {
            await running.CancelAsync();
            await Task.WhenAll(writer, watchdog);
            _running = null;
        }
    }

    /// <summary>Ends the link: every open job's reader fails with <see cref="NodeLinkLostException"/>.</summary>
    internal void Close(string reason)
    {
        lock (_slotLock)
        {
            if (_isClosed)
            {
                return;
            }

            _closeReason = reason;
            _isClosed = true;
        }

        try
        {
            _running?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // RunAsync has already ended.
        }

        _outbox.Writer.TryComplete();
        foreach (var (jobId, job) in _jobs)
        {
            job.Writer.TryComplete(new NodeLinkLostException(NodeId, jobId, reason));
        }

        _jobs.Clear();
        foreach (var (_, command) in _commands)
        {
            command.TrySetException(new NodeLinkLostException($"The link to node {NodeId} ended before it answered: {reason}"));
        }

        _closed.TrySetResult();
        _registry.NotifyCapacityChanged();
    }

    private void Handle(NodeMessage message)
    {
        switch (message.KindCase)
        {
            case NodeMessage.KindOneofCase.Heartbeat:
                _lastHeartbeat = message.Heartbeat;
                _registry.NotifyCapacityChanged();
                break;
            case NodeMessage.KindOneofCase.Tokens:
                Route(message.Tokens.JobId, message, ends: false);
                break;
            case NodeMessage.KindOneofCase.Finished:
                Route(message.Finished.JobId, message, ends: true);
                break;
            case NodeMessage.KindOneofCase.Failed:
                Route(message.Failed.JobId, message, ends: true);
                break;
            case NodeMessage.KindOneofCase.ModelsChanged:
                var before = _models;
                _models = [.. message.ModelsChanged.Models];
                LogModelsChanged(NodeId, new ModelsDescription(_models));
                // Jobs of a model it has just loaded may wait in the queue.
                _registry.NotifyModelsChanged(this, [.. _models.Select(model => model.Name).Where(name => !before.Any(old => old.Name == name))]);
                break;
            case NodeMessage.KindOneofCase.ModelCommandDone:
                if (_commands.TryGetValue(message.ModelCommandDone.CommandId, out var command))
                {
                    command.TrySetResult(message.ModelCommandDone);
                }

                break;
            default:
                LogUnexpected(NodeId, message.KindCase);
                break;
        }
    }

    private void Route(string jobId, NodeMessage message, bool ends)
    {
        var found = ends ? _jobs.TryRemove(jobId, out var job) : _jobs.TryGetValue(jobId, out job);
        if (!found)
        {
            LogUnknownJob(NodeId, jobId, message.KindCase);
            return;
        }

        job!.Writer.TryWrite(message);
        if (ends)
        {
            job.Writer.TryComplete();
        }
    }

    // The outbox is unbounded, so sending never waits; the token is there for a bounded one.
    private ValueTask SendAsync(GatewayMessage message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _outbox.Writer.TryWrite(message)
            ? ValueTask.CompletedTask
            : ValueTask.FromException(new NodeLinkLostException($"The link to node {NodeId} has ended: {_closeReason}"));
    }

    private async Task WriteAllAsync(CancellationTokenSource running)
    {
        try
        {
            await foreach (var message in _outbox.Reader.ReadAllAsync(running.Token))
            {
                await _responses.WriteAsync(message, running.Token);
                HopTimestamps.Mark(HopNames.GatewayAssignWritten, message.Assign?.JobId);
            }
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or RpcException or InvalidOperationException)
        {
            if (!running.IsCancellationRequested)
            {
                Close($"writing to the node failed ({error.Message})");
                await running.CancelAsync();
            }
        }
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var silence = (_heartbeatInterval * 3) + TimeSpan.FromSeconds(1);
        using var timer = new PeriodicTimer(_heartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (DateTimeOffset.UtcNow - LastSeen > silence)
                {
                    LogSilent(NodeId, silence.TotalSeconds);
                    Close($"no heartbeat for {silence.TotalSeconds:F0} s");
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The link ended.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} announced its models again: {Models}")]
    private partial void LogModelsChanged(string nodeId, ModelsDescription models);

    // Formats only when the message is logged.
    private readonly record struct ModelsDescription(IReadOnlyList<ServedModel> Models)
    {
        public override string ToString() => string.Join("; ", Models.Select(model => $"{model.Name}: {model.Experts.Count} experts"));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {NodeId} sent nothing for {Seconds:F0} s; dropping its link")]
    private partial void LogSilent(string nodeId, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Node {NodeId} sent {Kind} for job {JobId}, which is not open on this link")]
    private partial void LogUnknownJob(string nodeId, string jobId, NodeMessage.KindOneofCase kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {NodeId} sent an unexpected {Kind}; ignored")]
    private partial void LogUnexpected(string nodeId, NodeMessage.KindOneofCase kind);
}
