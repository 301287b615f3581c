using System.Globalization;
using Google.Protobuf;
using Herd.Contracts.V1;
using Herd.Gateway.Failures;
using Herd.Gateway.Queue;
using Herd.Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace Herd.Gateway.Completions;

/// <summary>
/// Moves a job that no node took within its model's fallback wait to the fallback model's queue
/// (<see cref="FallbackOptions"/>), under the same id, priority, node groups and trace context,
/// so the client's stream goes on unchanged. The job was admitted when it was first queued; the
/// move admits nothing again.
/// </summary>
public sealed partial class ModelFallbacks(JobQueue queue, IOptions<FallbackOptions> options, GatewayTelemetry telemetry, ILogger<ModelFallbacks> logger)
{
    /// <summary>The fallback of the job's model; null when it has none, or the job cannot move (adapters, embeddings).</summary>
    public ModelFallback? For(CompletionRequest request, AdapterChoice? adapters)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Adapters live beside their base model on its nodes, and the fallback is another model.
        var movable = adapters is null or { ChoiceCase: AdapterChoice.ChoiceOneofCase.None } && request.InputCase != CompletionRequest.InputOneofCase.Embed;
        return movable && options.Value.Models.TryGetValue(request.Model, out var fallback) ? fallback : null;
    }

    /// <summary>Moves the job if it still waits in its queue; false when a node took it meanwhile (or it is gone).</summary>
    /// <exception cref="RequestFailedException">The fallback model's queue is full.</exception>
    public async Task<bool> MoveAsync(QueuedJob job, ModelFallback fallback)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(fallback);
        var removal = await queue.RemoveIfQueuedAsync(job.JobId).ConfigureAwait(false);
        if (removal.Outcome != RemoveOutcome.Removed)
        {
            return false;
        }

        var assign = Assign.Parser.ParseFrom(job.Payload.Span);
        assign.Model = fallback.Model;
        // Its tickets were used up when it was first queued.
        var moved = job with { Model = fallback.Model, Payload = assign.ToByteArray(), AdmissionTickets = [] };
        var enqueued = await queue.EnqueueAsync(moved).ConfigureAwait(false);
        if (enqueued.Outcome == EnqueueOutcome.QueueFull)
        {
            throw new RequestFailedException(new RequestFailure(FailureKind.QueueFull, string.Create(CultureInfo.InvariantCulture,
                $"No node took the job for model '{job.Model}' within {fallback.After.TotalSeconds:0.#} s, and the queue of its fallback '{fallback.Model}' is full ({enqueued.Depth} jobs waiting); retry in {enqueued.RetryAfter.TotalSeconds:0.#} s."))
            {
                RetryAfter = enqueued.RetryAfter,
            });
        }

        LogFellBack(job.JobId, job.Model, fallback.Model, fallback.After.TotalSeconds);
        telemetry.FellBack(job.Model, fallback.Model);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: no node of {Model} took it within {Seconds:0.#} s; moved to its fallback {Fallback}")]
    private partial void LogFellBack(string jobId, string model, string fallback, double seconds);
}
