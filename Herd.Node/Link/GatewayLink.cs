using Grpc.Core;
using Grpc.Net.Client;
using Herd.Contracts.V1;
using Polly;
using Polly.Retry;

namespace Herd.Node.Link;

/// <summary>
/// Keeps one NodeLink call open to one gateway: connects, says hello, serves the link, and when
/// it fails or is lost, connects again with exponential backoff and jitter.
/// </summary>
public sealed partial class GatewayLink : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly NodeLink.NodeLinkClient _client;
    private readonly NodeHello _hello;
    private readonly NodeOptions _options;
    private readonly INodeBackend _backend;
    private readonly NodeActivity _activity;
    private readonly ILogger<GatewayLink> _logger;
    private volatile string? _gatewayId;

    public GatewayLink(Uri address, NodeHello hello, NodeOptions options, INodeBackend backend, NodeActivity activity, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        Address = address;
        _hello = hello;
        _options = options;
        _backend = backend;
        _activity = activity;
        _logger = loggerFactory.CreateLogger<GatewayLink>();
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                // Pings find a gateway that vanished without closing the connection.
                KeepAlivePingDelay = TimeSpan.FromSeconds(15),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            },
            LoggerFactory = loggerFactory,
        });
        _client = new NodeLink.NodeLinkClient(_channel);
    }

    public Uri Address { get; }

    /// <summary>The gateway accepted the link and it is open now.</summary>
    public bool IsLinked => _gatewayId is not null;

    /// <summary>The id the gateway gave when it accepted the current link.</summary>
    public string? GatewayId => _gatewayId;

    /// <summary>Links, serves and links again until <paramref name="stopping"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(error => !(error is OperationCanceledException && stopping.IsCancellationRequested)),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = _options.ReconnectMinDelay,
            MaxDelay = _options.ReconnectMaxDelay,
            OnRetry = arguments =>
            {
                ReportAttempt(arguments.AttemptNumber + 1, arguments.Outcome.Exception, arguments.RetryDelay);
                return default;
            },
        }).Build();

        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // One execution lasts until a link that was accepted ends, so the backoff starts
                // again from the shortest wait after a link that worked.
                await retry.ExecuteAsync(ConnectOnceAsync, stopping);
                await Task.Delay(_options.ReconnectMinDelay, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
        }
    }

    public void Dispose() => _channel.Dispose();

    private async ValueTask ConnectOnceAsync(CancellationToken stopping)
    {
        using var abort = new CancellationTokenSource();
        using var call = _client.Connect(cancellationToken: abort.Token);
        await using var session = new LinkSession(Address.ToString(), call, abort, _backend, _activity, _logger);
        var accepted = await session.HandshakeAsync(_hello, stopping);
        _gatewayId = accepted.GatewayId;
        var interval = accepted.HeartbeatInterval?.ToTimeSpan() ?? TimeSpan.Zero;
        LogLinked(Address, accepted.GatewayId, interval);
        try
        {
            await session.ServeAsync(accepted, stopping);
        }
        finally
        {
            _gatewayId = null;
        }
    }

    private void ReportAttempt(int attempt, Exception? error, TimeSpan delay)
    {
        switch (error)
        {
            case RpcException { StatusCode: StatusCode.Unauthenticated } refused:
                LogRefusedSecret(Address, refused.Status.Detail, attempt, delay.TotalSeconds);
                break;
            case RpcException { StatusCode: StatusCode.FailedPrecondition or StatusCode.InvalidArgument or StatusCode.PermissionDenied } refused:
                LogRefused(Address, refused.StatusCode, refused.Status.Detail, attempt, delay.TotalSeconds);
                break;
            case RpcException failed when attempt == 1:
                LogFirstAttemptFailed(Address, failed.Status.Detail, attempt, delay.TotalSeconds);
                break;
            case RpcException failed:
                LogAttemptFailed(Address, failed.Status.Detail, attempt, delay.TotalSeconds);
                break;
            default:
                LogFirstAttemptFailed(Address, error?.Message ?? "unknown error", attempt, delay.TotalSeconds);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Linked to gateway {Address} ({GatewayId}); heartbeat every {Interval}")]
    private partial void LogLinked(Uri address, string gatewayId, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gateway {Address} refused the link as UNAUTHENTICATED ({Detail}): the node secret is most likely wrong; set HERD_NODE_SECRET to the gateway's. Attempt {Attempt}; retrying in {Seconds:F1} s")]
    private partial void LogRefusedSecret(Uri address, string detail, int attempt, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gateway {Address} refused the link ({Status}: {Detail}). Attempt {Attempt}; retrying in {Seconds:F1} s")]
    private partial void LogRefused(Uri address, StatusCode status, string detail, int attempt, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not link to gateway {Address}: {Reason}. Attempt {Attempt}; retrying in {Seconds:F1} s")]
    private partial void LogFirstAttemptFailed(Uri address, string reason, int attempt, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not link to gateway {Address}: {Reason}. Attempt {Attempt}; retrying in {Seconds:F1} s")]
    private partial void LogAttemptFailed(Uri address, string reason, int attempt, double seconds);
}
