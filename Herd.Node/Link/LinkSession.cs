using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Node.Serving;

namespace Herd.Node.Link;

/// <summary>
/// One open NodeLink call: the hello and the gateway's acceptance, heartbeats, and the jobs that
/// came over it. Everything the node sends goes through one outbox drained by one writer task,
/// because a gRPC stream takes one write at a time. When the call ends, the jobs it brought are
/// cancelled: their gateway can no longer receive their tokens.
/// </summary>
internal sealed partial class LinkSession : IAsyncDisposable
{
    private static readonly TimeSpan AcceptTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    private readonly string _address;
    private readonly AsyncDuplexStreamingCall<NodeMessage, GatewayMessage> _call;
    private readonly CancellationTokenSource _abort;
    private readonly INodeBackend _backend;
    private readonly NodeActivity _activity;
    private readonly ILogger _logger;
    private readonly Channel<NodeMessage> _outbox = Channel.CreateUnbounded<NodeMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _lost = new();
    private readonly ConcurrentDictionary<string, RunningJob> _jobs = new();
    private readonly Lock _heartbeatLock = new();
    private readonly Task _writer;
    private (long Tokens, long Timestamp) _rateSample;
    private IReadOnlyList<Contracts.V1.ServedModel> _announced = [];
    private volatile bool _drainRequested;

    public LinkSession(string address, AsyncDuplexStreamingCall<NodeMessage, GatewayMessage> call, CancellationTokenSource abort, INodeBackend backend, NodeActivity activity, ILogger logger)
    {
        _address = address;
        _call = call;
        _abort = abort;
        _backend = backend;
        _activity = activity;
        _logger = logger;
        _writer = Task.Run(WriteAllAsync);
    }

    private bool IsDraining => _activity.IsDraining || _drainRequested;

    /// <summary>Sends the hello and waits for LinkAccepted.</summary>
    /// <exception cref="RpcException">The gateway refused the link or could not be reached.</exception>
    public async Task<LinkAccepted> HandshakeAsync(NodeHello hello, CancellationToken stopping)
    {
        // The models as they are now: they and their experts may have changed since the node started.
        _announced = _backend.Announcement();
        hello = hello.Clone();
        hello.Models.Clear();
        hello.Models.Add(_announced);
        _outbox.Writer.TryWrite(new NodeMessage { Hello = hello });
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(AcceptTimeout);
        using var abortOnDeadline = deadline.Token.Register(_abort.Cancel);
        try
        {
            if (!await _call.ResponseStream.MoveNext(CancellationToken.None))
            {
                throw new IOException("The gateway ended the link without accepting it.");
            }
        }
        catch (RpcException) when (deadline.IsCancellationRequested)
        {
            stopping.ThrowIfCancellationRequested();
            throw new TimeoutException($"The gateway did not accept the link within {AcceptTimeout.TotalSeconds:F0} s.");
        }

        var first = _call.ResponseStream.Current;
        return first.KindCase == GatewayMessage.KindOneofCase.Accepted
            ? first.Accepted
            : throw new IOException($"The gateway's first message was {first.KindCase}, not LinkAccepted.");
    }

    /// <summary>Serves the accepted link until the gateway ends it, it breaks, or the node stops.</summary>
    public async Task ServeAsync(LinkAccepted accepted, CancellationToken stopping)
    {
        var interval = accepted.HeartbeatInterval?.ToTimeSpan() is { } given && given > TimeSpan.Zero
            ? TimeSpan.FromMilliseconds(Math.Clamp(given.TotalMilliseconds, 50, 60_000))
            : TimeSpan.FromSeconds(2);
        SendHeartbeat();
        var heartbeats = Task.Run(() => HeartbeatAsync(interval), CancellationToken.None);
        using var onDrain = _activity.Draining.Register(SendHeartbeat);
        using var onStop = stopping.Register(Close);
        _backend.AnnouncementChanged += AnnounceModels;
        // A change between the hello and now.
        AnnounceModels();

        try
        {
            while (await _call.ResponseStream.MoveNext(CancellationToken.None))
            {
                Handle(_call.ResponseStream.Current);
            }

            if (!stopping.IsCancellationRequested)
            {
                LogGatewayClosed(_address);
            }
        }
        catch (RpcException error) when (!stopping.IsCancellationRequested)
        {
            LogLinkLost(_address, error.StatusCode, error.Status.Detail, _jobs.Count);
        }
        catch (RpcException)
        {
            // Closing: the gateway did not end the call within the grace period.
        }
        finally
        {
            _backend.AnnouncementChanged -= AnnounceModels;
            await _lost.CancelAsync();
            _outbox.Writer.TryComplete();
            await Task.WhenAll(_jobs.Values.Select(job => job.Done.Task));
            await heartbeats;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _outbox.Writer.TryComplete();
        await _lost.CancelAsync();
        // The call is over by now; cancelling it frees a writer stuck on a stalled connection.
        await _abort.CancelAsync();
        await _writer;
        _lost.Dispose();
    }

    private void Handle(GatewayMessage message)
    {
        switch (message.KindCase)
        {
            case GatewayMessage.KindOneofCase.Assign:
                Start(message.Assign);
                break;
            case GatewayMessage.KindOneofCase.Cancel:
                Cancel(message.Cancel);
                break;
            case GatewayMessage.KindOneofCase.Drain:
                LogDrainRequested(_address, message.Drain.Reason);
                _drainRequested = true;
                SendHeartbeat();
                break;
            case GatewayMessage.KindOneofCase.Experts:
                _ = UpdateExpertsAsync(message.Experts);
                break;
            case GatewayMessage.KindOneofCase.ModelCommand:
                _ = ChangeModelsAsync(message.ModelCommand);
                break;
        }
    }

    // Off the reader: embedding the samples runs on the engine, between other jobs' steps.
    private async Task UpdateExpertsAsync(HerdExperts experts)
    {
        if (!_backend.ModelNames.Contains(experts.Model, StringComparer.Ordinal))
        {
            LogExpertsForOtherModel(_address, experts.Model, string.Join(", ", _backend.ModelNames));
            return;
        }

        try
        {
            await _backend.UpdateExpertsAsync(experts);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogExpertsFailed(_address, experts.Revision, exception);
        }
    }

    // Off the reader: a load takes as long as reading the weights.
    private async Task ChangeModelsAsync(ModelCommand command)
    {
        var done = new ModelCommandDone { CommandId = command.CommandId };
        try
        {
            LogModelCommand(_address, command);
            await _backend.ChangeModelsAsync(command, _lost.Token);
        }
        catch (ModelChangeException error)
        {
            (done.StatusCode, done.Message) = (error.Problem switch
            {
                ModelChangeProblem.NotFound => LinkStatus.NotFound,
                ModelChangeProblem.LoadFailed => LinkStatus.Internal,
                _ => LinkStatus.FailedPrecondition,
            }, error.Message);
        }
        catch (OperationCanceledException)
        {
            (done.StatusCode, done.Message) = (LinkStatus.Unavailable, "The link to the gateway ended before the change was made.");
        }

        done.Models.Add(_backend.ModelNames);
        _outbox.Writer.TryWrite(new NodeMessage { ModelCommandDone = done });
    }

    private void AnnounceModels()
    {
        lock (_heartbeatLock)
        {
            var now = _backend.Announcement();
            if (now.SequenceEqual(_announced))
            {
                return;
            }

            _announced = now;
            _outbox.Writer.TryWrite(new NodeMessage { ModelsChanged = new ModelsChanged { Models = { now } } });
        }
    }

    private void Start(Assign assign)
    {
        HopTimestamps.Mark(HopNames.NodeReceived, assign.JobId);
        if (IsDraining)
        {
            LogRefusedDraining(assign.JobId);
            Refuse(LinkStatus.Unavailable, "node is draining");
            return;
        }

        var job = new RunningJob(CancellationTokenSource.CreateLinkedTokenSource(_lost.Token, _activity.Abandoned));
        if (!_jobs.TryAdd(assign.JobId, job))
        {
            job.Cancel.Dispose();
            Refuse(LinkStatus.AlreadyExists, $"Job {assign.JobId} is already running on this node.");
            return;
        }

        _activity.JobStarted();
        _ = Task.Run(async () =>
        {
            try
            {
                await _backend.RunAsync(assign, _outbox.Writer, job.Cancel.Token);
            }
            finally
            {
                _jobs.TryRemove(assign.JobId, out _);
                job.Cancel.Dispose();
                _activity.JobEnded();
                job.Done.TrySetResult();
            }
        });

        void Refuse(int code, string reason) => _outbox.Writer.TryWrite(new NodeMessage
        {
            Failed = new JobFailed { JobId = assign.JobId, StatusCode = code, Message = reason },
        });
    }

    private void Cancel(Cancel cancel)
    {
        if (!_jobs.TryGetValue(cancel.JobId, out var job))
        {
            return;
        }

        LogCancelling(cancel.JobId, cancel.Reason);
        try
        {
            job.Cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The job ended as the cancel arrived.
        }
    }

    private async Task HeartbeatAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_lost.Token))
            {
                SendHeartbeat();
            }
        }
        catch (OperationCanceledException)
        {
            // The link ended.
        }
    }

    private void SendHeartbeat()
    {
        lock (_heartbeatLock)
        {
            var running = _activity.RunningJobs;
            var slots = _backend.Slots;
            _outbox.Writer.TryWrite(new NodeMessage
            {
                Heartbeat = new NodeHeartbeat
                {
                    ActiveSequences = Math.Min(running, slots),
                    FreeSlots = Math.Max(0, slots - running),
                    Waiting = Math.Max(0, running - slots),
                    DecodeTokensPerSecond = _activity.DecodeRate(ref _rateSample),
                    MemoryBytes = Environment.WorkingSet,
                    Draining = IsDraining,
                    Loading = _backend.Loading?.Model ?? "",
                    LoadingFor = _backend.Loading is { } loading ? Duration.FromTimeSpan(DateTimeOffset.UtcNow - loading.Since) : null,
                    LoadingProgress = _backend.Loading?.Done ?? 0,
                },
            });
        }
    }

    private void Close()
    {
        // The writer sends what is queued and then ends the request stream; the gateway answers
        // by ending the call. If it does not, the call is cancelled after a grace period.
        _outbox.Writer.TryComplete();
        _abort.CancelAfter(CloseGrace);
    }

    private async Task WriteAllAsync()
    {
        try
        {
            await foreach (var message in _outbox.Reader.ReadAllAsync())
            {
                await _call.RequestStream.WriteAsync(message);
                HopTimestamps.Mark(HopNames.NodeChunkWritten, message.Tokens?.JobId);
            }

            await _call.RequestStream.CompleteAsync();
        }
        catch (Exception error) when (error is RpcException or IOException or InvalidOperationException or OperationCanceledException)
        {
            // The call broke; reading ends too, and nothing more can be sent on it.
            _outbox.Writer.TryComplete();
            await _abort.CancelAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Link to gateway {Address} lost ({Status}: {Detail}); cancelling its {Jobs} running jobs")]
    private partial void LogLinkLost(string address, StatusCode status, string detail, int jobs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway {Address} closed the link")]
    private partial void LogGatewayClosed(string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway {Address} sent experts of model {Model}; this node serves {Served}: ignored")]
    private partial void LogExpertsForOtherModel(string address, string model, string served);

    [LoggerMessage(Level = LogLevel.Error, Message = "The herd's experts from gateway {Address} (revision {Revision}) could not be taken; the node keeps routing among those it had")]
    private partial void LogExpertsFailed(string address, long revision, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway {Address} asks this node to change its models: {Command}")]
    private partial void LogModelCommand(string address, ModelCommand command);

    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway {Address} asked this node to drain: {Reason}")]
    private partial void LogDrainRequested(string address, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused job {JobId}: the node is draining")]
    private partial void LogRefusedDraining(string jobId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cancelling job {JobId}: {Reason}")]
    private partial void LogCancelling(string jobId, string reason);

    private sealed class RunningJob(CancellationTokenSource cancel)
    {
        public CancellationTokenSource Cancel { get; } = cancel;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
