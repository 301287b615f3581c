using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Adapters;
using Herd.Gateway.Admission;
using Herd.Gateway.Admission.Fees;
using Herd.Gateway.Failures;
using Herd.Gateway.Nodes.Catalog;
using Herd.Gateway.Nodes.Dispatch;
using Herd.Gateway.Queue;
using Herd.Gateway.Relay;
using Herd.Gateway.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Completions;

/// <summary>
/// The owner's side of one completion: it queues the job, then turns what happens to it
/// (assigned, tokens, finished or failed, on whichever gateway its node is linked to) into the
/// client's events. A client that goes away takes its job out of the queue, or has its node stop it.
/// It knows no door: whatever stops a request is a <see cref="RequestFailedException"/>, which the
/// door the request came through answers in its own terms.
/// </summary>
public sealed partial class CompletionRunner(
    JobQueue queue,
    ArrivalDispatcher arrivals,
    JobMailboxes mailboxes,
    JobRelay relay,
    ModelCatalog catalog,
    ICompletionAdmission admission,
    IUsageRecorder recorder,
    IOptions<QueueOptions> queueOptions,
    TimeProvider time,
    CompletionEnds ends,
    ModelFallbacks fallbacks,
    GatewayTelemetry telemetry,
    ILogger<CompletionRunner> logger)
{
    /// <summary>Runs a request of the caller's own text (see the overload with a <see cref="PromptOrigin"/>).</summary>
    public IAsyncEnumerable<CompletionEvent> RunAsync(CompletionRequest request, Caller? caller, Door door, CancellationToken cancellationToken) =>
        RunAsync(request, caller, door, origin: null, cancellationToken);

    /// <param name="request">The request, its prompt a text, chat or texts to embed (a prompt call is expanded before it gets here).</param>
    /// <param name="caller">The verified caller; null when access control is off.</param>
    /// <param name="door">The door the request came through, for its record.</param>
    /// <param name="origin">The published prompt the request's text came from; null for the caller's own text.</param>
    /// <param name="cancellationToken">The client's call.</param>
    /// <exception cref="RequestFailedException">Why the request was refused or did not finish.</exception>
    /// <exception cref="RedisException">Redis, which holds the queue, is unreachable.</exception>
    public async IAsyncEnumerable<CompletionEvent> RunAsync(CompletionRequest request, Caller? caller, Door door, PromptOrigin? origin, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var progress = new CompletionProgress(request, caller, Guid.NewGuid().ToString("N"), time.GetUtcNow()) { Door = door, Origin = origin };
        var observation = new CompletionObservation(telemetry, progress);
        var events = ServeAsync(progress, observation, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                CompletionEvent current;
                try
                {
                    if (!await events.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    current = events.Current;
                }
                catch (RequestFailedException exception)
                {
                    progress.EndedWith(exception.Failure);
                    throw;
                }
                catch (RedisException exception)
                {
                    progress.EndedWith(new RequestFailure(FailureKind.Unavailable, exception.Message));
                    throw;
                }

                yield return current;
            }
        }
        finally
        {
            await events.DisposeAsync().ConfigureAwait(false);
            observation.Ended();
            // The client has its answer: counting and recording it need not make the call wait.
            ends.Track(EndAsync(progress));
        }
    }

    private async IAsyncEnumerable<CompletionEvent> ServeAsync(CompletionProgress progress, CompletionObservation observation, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        HopTimestamps.Mark(HopNames.GatewayReceived, progress.JobId);
        CompletionRequestValidator.Validate(progress.Request);
        var model = await ResolveAsync(progress.Request).ConfigureAwait(false);
        var adapters = AdapterChoices.For(model, progress.Request, progress.Caller?.Role);
        // Admitted, priced, queued and dispatched as the base model; the adapters travel with the job.
        var request = model.IsBaseAlone ? progress.Request : AsBaseModel(progress.Request, model.BaseModel);
        var contextLength = model.ContextLength;

        var started = progress.Received;
        var jobId = progress.JobId;
        using var mailbox = mailboxes.Open(jobId);
        // One round trip: the admission's scripts, the outbox's open record (so one exists for
        // every job a node may serve) and the job, which Redis queues only if admitted.
        var pending = admission.Begin(progress.Caller, request, contextLength, jobId);
        var opening = recorder.OpenAsync(progress);
        observation.Enqueuing();
        var job = JobOf(request, adapters, jobId, pending, observation.TraceContext);
        var enqueueing = arrivals.EnqueueAsync(job);
        try
        {
            progress.Admitted = await pending.Result.ConfigureAwait(false);
        }
        catch
        {
            // Refused: Redis did not queue the job (its tickets are missing). Let the calls sent with
            // the admission finish, so that no failure of theirs goes unobserved, and report the refusal.
            await Task.WhenAll(enqueueing, opening).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            throw;
        }

        var enqueued = await enqueueing.ConfigureAwait(false);
        if (enqueued.Outcome == EnqueueOutcome.Unadmitted)
        {
            // Admitted after the job was sent (a budget read from the ledger first): send it again.
            enqueued = await arrivals.EnqueueAsync(job).ConfigureAwait(false);
        }

        ThrowIfNotQueued(enqueued, request.Model);
        await opening.ConfigureAwait(false);

        try
        {
            using var wait = new QueueWait(queueOptions.Value.MaxWait, fallbacks.For(request, adapters), cancellationToken);
            while (true)
            {
                var envelope = await NextAsync(mailbox, progress, job, wait, cancellationToken).ConfigureAwait(false);
                switch (envelope.KindCase)
                {
                    case RelayEnvelope.KindOneofCase.Assigned:
                        progress.Assigned = envelope.Assigned;
                        observation.Assigned(envelope.Assigned);
                        break;
                    case RelayEnvelope.KindOneofCase.Tokens:
                        progress.Delivered(envelope.Tokens);
                        HopTimestamps.Mark(HopNames.GatewayTokenSent, jobId);
                        yield return new CompletionEvent { Delta = Delta(envelope.Tokens) };
                        break;
                    case RelayEnvelope.KindOneofCase.Finished:
                        progress.Ended = true;
                        progress.Usage = envelope.Finished.Usage;
                        progress.FinishReason = envelope.Finished.FinishReason;
                        progress.Adapters = envelope.Finished.Adapters;
                        var done = new CompletionEvent { Done = Done(envelope.Finished, progress, FeeOf(progress), Stopwatch.GetElapsedTime(started)) };
                        // The job is over and its answer whole: a client that leaves as its door
                        // writes the end (a write then fails cancelled) still had a good request.
                        progress.EndedWell();
                        yield return done;
                        yield break;
                    case RelayEnvelope.KindOneofCase.Failed:
                        progress.Ended = true;
                        throw new RequestFailedException(LinkFailures.FailureOf(envelope.Failed));
                    default:
                        break;
                }
            }
        }
        finally
        {
            if (!progress.Ended)
            {
                await AbandonAsync(jobId, cancellationToken.IsCancellationRequested ? "the client cancelled" : "the request failed").ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Counts what the request used against its key's limits and sends its record to the ledger,
    /// both at once; a failure here is logged, never shown to the client.
    /// </summary>
    private async Task EndAsync(CompletionProgress progress)
    {
        var settling = SettleAsync(progress);
        await recorder.CloseAsync(progress, FeeOf(progress)).ConfigureAwait(false);
        await settling.ConfigureAwait(false);
    }

    private async Task SettleAsync(CompletionProgress progress)
    {
        if (progress.Admitted is not { } admitted || (admitted.Reservation is null && admitted.BudgetReservation is null))
        {
            return;
        }

        try
        {
            await admission.SettleAsync(admitted, progress.ChargedPromptTokens, progress.ChargedCompletionTokens, FeeOf(progress)).ConfigureAwait(false);
        }
        catch (RedisException exception)
        {
            LogSettleFailed(exception, progress.JobId);
        }
    }

    private decimal FeeOf(CompletionProgress progress) =>
        progress.Admitted is { } admitted
            ? admission.FeeOf(admitted, progress.Assigned is not null, progress.ChargedPromptTokens, progress.ChargedCompletionTokens)
            : 0m;

    /// <summary>
    /// The request's model as the catalog resolves it. A model no ready node serves is still taken
    /// when its fallback is served: its job waits the fallback's wait like any other, then moves.
    /// </summary>
    private async ValueTask<ModelChoice> ResolveAsync(CompletionRequest request)
    {
        try
        {
            return await catalog.ResolveAsync(request.Model).ConfigureAwait(false);
        }
        catch (RequestFailedException notServed) when (notServed.Kind == FailureKind.ModelNotServed && fallbacks.For(request, adapters: null) is { } fallback)
        {
            try
            {
                // Its prompt is measured against the context the fallback is served with.
                return new ModelChoice(request.Model, (await catalog.ResolveAsync(fallback.Model).ConfigureAwait(false)).ContextLength);
            }
            catch (RequestFailedException)
            {
                throw notServed;
            }
        }
    }

    /// <summary>The request as the base model's queue takes it: its name without the adapters, which the assignment carries.</summary>
    private static CompletionRequest AsBaseModel(CompletionRequest request, string baseModel)
    {
        var job = request.Clone();
        job.Model = baseModel;
        job.TopExperts = 0;
        return job;
    }

    private QueuedJob JobOf(CompletionRequest request, AdapterChoice? adapters, string jobId, PendingAdmission admitted, string? traceContext)
    {
        var assign = new Assign { JobId = jobId, Model = request.Model, Sampling = request.Sampling ?? new SamplingParams(), Adapters = adapters };
        switch (request.InputCase)
        {
            case CompletionRequest.InputOneofCase.Chat:
                assign.Chat = request.Chat;
                break;
            case CompletionRequest.InputOneofCase.Embed:
                assign.Embed = request.Embed;
                break;
            default:
                assign.Prompt = request.Prompt;
                break;
        }

        return new QueuedJob(jobId, request.Model, request.Priority, relay.GatewayId, assign.ToByteArray())
        {
            NodeGroups = admitted.NodeGroups,
            AdmissionTickets = admitted.Tickets,
            TraceContext = traceContext,
        };
    }

    private static void ThrowIfNotQueued(EnqueueResult result, string model)
    {
        switch (result.Outcome)
        {
            case EnqueueOutcome.QueueFull:
                var retryAfter = result.RetryAfter;
                throw new RequestFailedException(new RequestFailure(FailureKind.QueueFull, string.Create(CultureInfo.InvariantCulture,
                    $"The queue for model '{model}' is full ({result.Depth} jobs waiting); retry in {retryAfter.TotalSeconds:0.#} s."))
                {
                    RetryAfter = retryAfter,
                });
            case EnqueueOutcome.Unadmitted:
                // The admission's tickets expire after a minute: only a request stalled that long gets here.
                throw new RequestFailedException(FailureKind.Unavailable, "The request's admission expired before its job was queued; retry it.");
            default:
                return;
        }
    }

    /// <summary>
    /// The job's next event; until a node takes the job, its model's fallback wait and the maximum
    /// wait apply: the first moves the job to the fallback model, the second ends it.
    /// </summary>
    private async Task<RelayEnvelope> NextAsync(JobMailbox mailbox, CompletionProgress progress, QueuedJob job, QueueWait wait, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await mailbox.Reader.ReadAsync(progress.Assigned is null && !progress.WaitExpired ? wait.Token : cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                if (wait.TakeDueFallback() is { } fallback)
                {
                    // False when a node took the job as the wait ran out: its events come next.
                    await fallbacks.MoveAsync(job, fallback).ConfigureAwait(false);
                    continue;
                }

                progress.WaitExpired = true;
                var removal = await queue.RemoveIfQueuedAsync(mailbox.JobId).ConfigureAwait(false);
                if (removal.Outcome != RemoveOutcome.NotQueued)
                {
                    progress.Ended = true;
                    throw new RequestFailedException(FailureKind.NoNodeInTime, string.Create(CultureInfo.InvariantCulture,
                        $"No node took the job within {queueOptions.Value.MaxWait.TotalSeconds:0.#} s (the queue's maximum wait for model '{progress.Request.Model}')."));
                }

                // A node took it as the wait ran out: serve it.
            }
        }
    }

    private async Task AbandonAsync(string jobId, string reason)
    {
        try
        {
            var removal = await queue.RemoveIfQueuedAsync(jobId).ConfigureAwait(false);
            if (removal is { Outcome: RemoveOutcome.NotQueued, ServerGatewayId: { } server })
            {
                await relay.CancelAsync(server, jobId, reason).ConfigureAwait(false);
            }
        }
        catch (RedisException exception)
        {
            // The lease will run out and the serving gateway will drop the job.
            LogAbandonFailed(exception, jobId);
        }
    }

    private static CompletionDelta Delta(TokenChunk chunk)
    {
        var delta = new CompletionDelta { Text = chunk.Text };
        delta.TokenIds.AddRange(chunk.TokenIds);
        delta.Logprobs.AddRange(chunk.Logprobs);
        return delta;
    }

    private static CompletionDone Done(JobFinished finished, CompletionProgress progress, decimal fee, TimeSpan total)
    {
        var done = new CompletionDone
        {
            FinishReason = finished.FinishReason,
            Usage = finished.Usage,
            QueueWait = progress.Assigned?.QueueWait ?? Duration.FromTimeSpan(TimeSpan.Zero),
            TimeToFirstToken = Duration.FromTimeSpan(progress.TimeToFirstToken ?? total),
            TotalTime = Duration.FromTimeSpan(total),
            NodeId = progress.Assigned?.NodeId ?? string.Empty,
            RequestId = progress.Request.RequestId,
            LedgerId = progress.Caller is null ? string.Empty : progress.JobId,
            Fee = FeeText.Format(fee),
            PromptId = progress.Origin?.PromptId ?? string.Empty,
            PromptVersion = progress.Origin?.Version ?? string.Empty,
            ParentRequestId = progress.Origin?.ParentRequestId ?? string.Empty,
        };
        done.Embeddings.AddRange(finished.Embeddings);
        done.Adapters.AddRange(finished.Adapters);
        return done;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not withdraw job {JobId} after its client left; its lease will expire")]
    private partial void LogAbandonFailed(Exception exception, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not count job {JobId}'s tokens against its key's limits: Redis is unreachable")]
    private partial void LogSettleFailed(Exception exception, string jobId);
}
