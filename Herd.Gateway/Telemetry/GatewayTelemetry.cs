using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Herd.Gateway.Ledger.Outbox;

namespace Herd.Gateway.Telemetry;

/// <summary>
/// The gateway's meter and activity source, both named <see cref="Name"/>, and the instruments
/// recorded on them. Recording never throws and never waits: the gauges read values that
/// <c>QueueDepthReader</c> and <c>OutboxLagReader</c> keep fresh.
/// </summary>
public sealed class GatewayTelemetry : IDisposable
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "Herd.Gateway";

    /// <summary>The gateway's spans: <see cref="CompletionSpan"/>, <see cref="QueueSpan"/>, <see cref="DispatchSpan"/>.</summary>
    public static readonly ActivitySource Source = new(Name);

    public const string CompletionSpan = "herd.completion";
    public const string QueueSpan = "herd.queue";
    public const string DispatchSpan = "herd.dispatch";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly UpDownCounter<long> _activeStreams;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _timePerOutputToken;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _limitRejections;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _demandDecisions;
    private volatile IReadOnlyList<Measurement<long>> _queueDepths = [];
    private long _outboxLag = -1;

    public GatewayTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(Name);
        _requests = _meter.CreateCounter<long>("herd.gateway.requests", "{request}", "gRPC calls the gateway answered, by method and status.");
        _activeStreams = _meter.CreateUpDownCounter<long>("herd.gateway.streams.active", "{stream}", "Completions whose client stream is open.");
        _meter.CreateObservableGauge("herd.gateway.queue.depth", () => _queueDepths, "{job}", "Jobs waiting in the queue, by model and priority.");
        _queueWait = _meter.CreateHistogram<double>("herd.gateway.queue.wait", "s", "How long a job waited in the queue before a node took it.");
        _timeToFirstToken = _meter.CreateHistogram<double>("gen_ai.server.time_to_first_token", "s", "From receiving a completion to sending its first token.");
        _timePerOutputToken = _meter.CreateHistogram<double>("gen_ai.server.time_per_output_token", "s", "Time per output token after the first.");
        _tokens = _meter.CreateCounter<long>("herd.gateway.tokens", "{token}", "Prompt (input) and completion (output) tokens served.");
        _limitRejections = _meter.CreateCounter<long>("herd.gateway.limit.rejections", "{request}", "Completions refused by a key's limit or budget.");
        _fallbacks = _meter.CreateCounter<long>("herd.gateway.fallbacks", "{job}", "Jobs moved to their model's fallback after no node took them within the fallback's wait.");
        _demandDecisions = _meter.CreateCounter<long>("herd.gateway.demand.decisions", "{decision}", "The demand policy's decisions, by model, reason and outcome (switched, failed, blocked).");
        _meter.CreateObservableGauge("herd.gateway.ledger.outbox.lag", ObserveOutboxLag, "{record}", "Usage records in the outbox not yet acknowledged by a ledger writer.");
    }

    /// <summary>Counts one finished call.</summary>
    /// <param name="method">The gRPC method or the HTTP route, as the door names it.</param>
    /// <param name="status">The outcome's name, as google.rpc names statuses (<c>OK</c>, <c>RESOURCE_EXHAUSTED</c>).</param>
    public void RequestEnded(string method, string status) =>
        _requests.Add(1, new(TelemetryTags.RpcMethod, method), new(TelemetryTags.RpcStatusCode, status));

    public void StreamOpened() => _activeStreams.Add(1);

    public void StreamClosed() => _activeStreams.Add(-1);

    public void QueueWaited(string model, int priority, TimeSpan wait) =>
        _queueWait.Record(wait.TotalSeconds, new(TelemetryTags.Model, model), new(TelemetryTags.Priority, priority));

    public void FirstToken(string model, TimeSpan sinceReceived) =>
        _timeToFirstToken.Record(sinceReceived.TotalSeconds, new KeyValuePair<string, object?>(TelemetryTags.Model, model));

    public void PerOutputToken(string model, TimeSpan perToken) =>
        _timePerOutputToken.Record(perToken.TotalSeconds, new KeyValuePair<string, object?>(TelemetryTags.Model, model));

    public void TokensServed(string model, long input, long output)
    {
        if (input > 0)
        {
            _tokens.Add(input, new(TelemetryTags.Model, model), new(TelemetryTags.TokenType, "input"));
        }

        if (output > 0)
        {
            _tokens.Add(output, new(TelemetryTags.Model, model), new(TelemetryTags.TokenType, "output"));
        }
    }

    /// <summary>Counts a job moved from <paramref name="model"/>'s queue to <paramref name="fallback"/>'s.</summary>
    public void FellBack(string model, string fallback) =>
        _fallbacks.Add(1, new(TelemetryTags.Model, model), new(TelemetryTags.FallbackModel, fallback));

    /// <param name="limit">Which limit refused: <c>requests</c>, <c>tokens</c> or <c>budget</c>.</param>
    public void LimitRejected(string limit) => _limitRejections.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Limit, limit));

    /// <summary>Counts one decision of the demand policy about <paramref name="model"/>.</summary>
    public void DemandDecided(string model, string reason, string outcome) =>
        _demandDecisions.Add(1, new(TelemetryTags.Model, model), new(TelemetryTags.DemandReason, reason), new(TelemetryTags.DemandOutcome, outcome));

    /// <summary>The latest queue depths, by model and priority, that the gauge reports until the next call.</summary>
    public void SetQueueDepths(IEnumerable<(string Model, int Priority, long Depth)> depths)
    {
        ArgumentNullException.ThrowIfNull(depths);
        _queueDepths = [.. depths.Select(depth => new Measurement<long>(depth.Depth, new(TelemetryTags.Model, depth.Model), new(TelemetryTags.Priority, depth.Priority)))];
    }

    /// <summary>The latest outbox lag; null when it could not be read (the gauge then reports nothing).</summary>
    public void SetOutboxLag(long? lag) => Interlocked.Exchange(ref _outboxLag, lag ?? -1);

    private IEnumerable<Measurement<long>> ObserveOutboxLag()
    {
        var lag = Interlocked.Read(ref _outboxLag);
        return lag < 0 ? [] : [new Measurement<long>(lag)];
    }

    public void Dispose() => _meter.Dispose();
}
