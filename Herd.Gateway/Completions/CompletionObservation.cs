using System.Diagnostics;
using Herd.Contracts.V1;
using Herd.Gateway.Telemetry;

namespace Herd.Gateway.Completions;

/// <summary>
/// The telemetry of one completion on its owner gateway: the <c>herd.completion</c> span from
/// receipt to the end of the stream, its <c>herd.queue</c> child from enqueue to assignment, the
/// open-stream count, and at the end the latency and token metrics.
/// </summary>
internal sealed class CompletionObservation
{
    private readonly GatewayTelemetry _telemetry;
    private readonly CompletionProgress _progress;
    private readonly Activity? _completion;
    private Activity? _queue;

    public CompletionObservation(GatewayTelemetry telemetry, CompletionProgress progress)
    {
        _telemetry = telemetry;
        _progress = progress;
        var request = progress.Request;
        _completion = GatewayTelemetry.Source.StartActivity(GatewayTelemetry.CompletionSpan, ActivityKind.Internal);
        if (_completion is not null)
        {
            _completion.DisplayName = $"{GatewayTelemetry.CompletionSpan} {request.Model}";
            _completion.SetTag(TelemetryTags.Model, request.Model);
            _completion.SetTag(TelemetryTags.Operation, request.InputCase switch
            {
                CompletionRequest.InputOneofCase.Chat => "chat",
                CompletionRequest.InputOneofCase.Embed => "embeddings",
                _ => "text_completion",
            });
            _completion.SetTag(TelemetryTags.Priority, request.Priority);
            _completion.SetTag(TelemetryTags.KeyId, progress.Caller?.KeyId);
        }

        telemetry.StreamOpened();
    }

    /// <summary>
    /// The completion span's W3C trace context, which travels with the job so that the serving
    /// gateway's spans join the trace; null when nobody listens.
    /// </summary>
    public string? TraceContext => _completion?.Id;

    /// <summary>The job is being queued: the queue span starts.</summary>
    public void Enqueuing()
    {
        _queue = GatewayTelemetry.Source.StartActivity(GatewayTelemetry.QueueSpan, ActivityKind.Internal, _completion?.Context ?? default);
        _queue?.SetTag(TelemetryTags.Model, _progress.Request.Model);
        _queue?.SetTag(TelemetryTags.Priority, _progress.Request.Priority);
    }

    /// <summary>A node took the job: the queue span ends.</summary>
    public void Assigned(JobAssigned assigned)
    {
        _queue?.SetTag(TelemetryTags.NodeId, assigned.NodeId);
        _queue?.Stop();
        _completion?.SetTag(TelemetryTags.NodeId, assigned.NodeId);
    }

    /// <summary>The client's stream is over: records the metrics and ends the spans.</summary>
    public void Ended()
    {
        var model = _progress.Request.Model;
        var input = _progress.Usage?.PromptTokens ?? 0;
        var output = _progress.Usage?.CompletionTokens ?? _progress.DeliveredTokens;
        if (_progress.TimeToFirstToken is { } firstToken)
        {
            _telemetry.FirstToken(model, firstToken);
            if (_progress.Succeeded && output > 1)
            {
                _telemetry.PerOutputToken(model, (Stopwatch.GetElapsedTime(_progress.Received) - firstToken) / (output - 1));
            }
        }

        _telemetry.TokensServed(model, input, output);
        _telemetry.StreamClosed();
        _queue?.Stop();
        if (_completion is null)
        {
            return;
        }

        _completion.SetTag(TelemetryTags.InputTokens, input);
        _completion.SetTag(TelemetryTags.OutputTokens, output);
        _completion.SetTag(TelemetryTags.RpcStatusCode, _progress.OutcomeName);
        if (!_progress.Succeeded)
        {
            _completion.SetStatus(ActivityStatusCode.Error, _progress.OutcomeMessage);
        }

        _completion.Stop();
    }
}
