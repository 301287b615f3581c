using Google.Protobuf;
using Herd.Contracts.V1;
using Herd.Gateway.Resilience;
using StackExchange.Redis;

namespace Herd.Gateway.Relay;

/// <summary>
/// Carries job events between gateway replicas. A job's events go to the gateway that owns its
/// client call, and a cancellation to the gateway whose node serves it; when that is this
/// gateway they are delivered in memory, otherwise published on the other gateway's Redis
/// channel. Each gateway reads its own channels in order, so a job's events keep their order.
/// </summary>
public sealed partial class JobRelay : IHostedService, IAsyncDisposable
{
    private readonly IConnectionMultiplexer _redis;
    private readonly string _gatewayId;
    private readonly string _keyPrefix;
    private readonly JobMailboxes _mailboxes;
    private readonly Func<Cancel, ValueTask> _cancelServedJob;
    private readonly ILogger<JobRelay> _logger;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FirstAttempt = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _stopping = new();
    private Task _subscribing = Task.CompletedTask;
    private int _disposed;
    private ChannelMessageQueue? _events;
    private ChannelMessageQueue? _control;

    /// <param name="cancelServedJob">stops a job that a node linked to this gateway serves</param>
    public JobRelay(IConnectionMultiplexer redis, string gatewayId, string keyPrefix, JobMailboxes mailboxes, Func<Cancel, ValueTask> cancelServedJob, ILogger<JobRelay> logger)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentException.ThrowIfNullOrEmpty(gatewayId);
        _redis = redis;
        _gatewayId = gatewayId;
        _keyPrefix = keyPrefix ?? string.Empty;
        _mailboxes = mailboxes ?? throw new ArgumentNullException(nameof(mailboxes));
        _cancelServedJob = cancelServedJob ?? throw new ArgumentNullException(nameof(cancelServedJob));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    public string GatewayId => _gatewayId;

    /// <summary>
    /// Starts reading this gateway's channels. While Redis is unreachable it keeps trying in the
    /// background, so the gateway starts (and answers UNAVAILABLE) instead of failing.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Normally the first attempt succeeds and the gateway starts subscribed.
        _subscribing = SubscribeAsync(_stopping.Token);
        return Task.WhenAny(_subscribing, Task.Delay(FirstAttempt, cancellationToken));
    }

    private async Task SubscribeAsync(CancellationToken stopping)
    {
        var untilReachable = UntilReachable.Retry(RetryDelay, failure => failure is RedisException, (failure, _, _) => LogSubscribeFailed(failure));
        await untilReachable.ExecuteAsync(_ => SubscribeOnceAsync(), stopping).ConfigureAwait(false);
    }

    /// <summary>Subscribes to this gateway's channels; after a failure, to those not subscribed yet.</summary>
    private async ValueTask SubscribeOnceAsync()
    {
        var subscriber = _redis.GetSubscriber();
        if (_events is null)
        {
            var events = await subscriber.SubscribeAsync(Channel(_gatewayId, "events")).ConfigureAwait(false);
            events.OnMessage(message => Deliver(message.Message));
            _events = events;
        }

        var control = await subscriber.SubscribeAsync(Channel(_gatewayId, "control")).ConfigureAwait(false);
        control.OnMessage(message => OnControlAsync(message.Message));
        _control = control;
    }

    /// <summary>Sends a job's event to the gateway that owns its client call.</summary>
    public async ValueTask ToOwnerAsync(string ownerGatewayId, RelayEnvelope envelope)
    {
        ArgumentException.ThrowIfNullOrEmpty(ownerGatewayId);
        ArgumentNullException.ThrowIfNull(envelope);
        if (ownerGatewayId == _gatewayId)
        {
            _mailboxes.Deliver(envelope);
            return;
        }

        await _redis.GetSubscriber().PublishAsync(Channel(ownerGatewayId, "events"), envelope.ToByteArray()).ConfigureAwait(false);
    }

    /// <summary>Asks the gateway whose node serves a job to stop it.</summary>
    public async ValueTask CancelAsync(string servingGatewayId, string jobId, string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(servingGatewayId);
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        var cancel = new Cancel { JobId = jobId, Reason = reason ?? string.Empty };
        if (servingGatewayId == _gatewayId)
        {
            await _cancelServedJob(cancel).ConfigureAwait(false);
            return;
        }

        var envelope = new RelayEnvelope { JobId = jobId, Cancel = cancel };
        await _redis.GetSubscriber().PublishAsync(Channel(servingGatewayId, "control"), envelope.ToByteArray()).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        // The host stops it, then the container disposes it.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _subscribing.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped while Redis was away.
        }

        _stopping.Dispose();

        if (_events is not null)
        {
            await _events.UnsubscribeAsync().ConfigureAwait(false);
            _events = null;
        }

        if (_control is not null)
        {
            await _control.UnsubscribeAsync().ConfigureAwait(false);
            _control = null;
        }
    }

    private RedisChannel Channel(string gatewayId, string kind) => RedisChannel.Literal($"{_keyPrefix}gateway:{gatewayId}:{kind}");

    private void Deliver(RedisValue message)
    {
        if (Parse(message) is { } envelope && !_mailboxes.Deliver(envelope))
        {
            LogNoMailbox(envelope.JobId, envelope.KindCase);
        }
    }

    private async Task OnControlAsync(RedisValue message)
    {
        if (Parse(message) is { Cancel: { } cancel })
        {
            await _cancelServedJob(cancel).ConfigureAwait(false);
        }
    }

    private RelayEnvelope? Parse(RedisValue message)
    {
        try
        {
            return RelayEnvelope.Parser.ParseFrom((byte[])message!);
        }
        catch (InvalidProtocolBufferException exception)
        {
            LogUnreadable(exception);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped {Kind} for job {JobId}: its client call has ended")]
    private partial void LogNoMailbox(string jobId, RelayEnvelope.KindOneofCase kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot subscribe to this gateway's relay channels yet (Redis unreachable); retrying")]
    private partial void LogSubscribeFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped an unreadable relay message")]
    private partial void LogUnreadable(Exception exception);
}
