using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Catalog;
using Herd.Gateway.Queue;
using Herd.Gateway.Relay;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Completions;

/// <summary>
/// The owner's side of one completion: it queues the job, then turns what happens to it
/// (assigned, tokens, finished or failed, on whichever gateway its node is linked to) into the
/// client's events. A client that goes away takes its job out of the queue, or has its node stop it.
/// </summary>
public sealed partial class CompletionRunner(
    JobQueue queue,
    JobMailboxes mailboxes,
    JobRelay relay,
    ModelCatalog catalog,
    CompletionAdmission admission,
    IOptions<QueueOptions> queueOptions,
    ILogger<CompletionRunner> logger)
{
    /// <summary>Metadata key of the retry hint on RESOURCE_EXHAUSTED, in milliseconds.</summary>
    public const string RetryAfterKey = "retry-after-ms";

    /// <param name="caller">The verified caller; null when access control is off.</param>
    /// <exception cref="RpcException">With the status the client should see.</exception>
    public async IAsyncEnumerable<CompletionEvent> RunAsync(CompletionRequest request, Caller? caller, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var progress = new Progress(request, caller, Guid.NewGuid().ToString("N"));
        var events = ServeAsync(progress, cancellationToken).GetAsyncEnumerator(cancellationToken);
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
                catch (RpcException exception)
                {
                    progress.EndedWith(exception.StatusCode, exception.Status.Detail);
                    throw;
                }

                yield return current;
            }
        }
        finally
        {
            await events.DisposeAsync().ConfigureAwait(false);
            await SettleAsync(progress).ConfigureAwait(false);
        }
    }

    private async IAsyncEnumerable<CompletionEvent> ServeAsync(Progress progress, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = progress.Request;
        CompletionRequestValidator.Validate(request);
        var contextLength = await catalog.RequireServedAsync(request.Model).ConfigureAwait(false);
        progress.Admitted = await admission.AdmitAsync(progress.Caller, request, contextLength).ConfigureAwait(false);

        var started = progress.Received;
        var jobId = progress.JobId;
        using var mailbox = mailboxes.Open(jobId);
        await EnqueueAsync(request, jobId, progress.Admitted.NodeGroups).ConfigureAwait(false);

        try
        {
            using var maxWait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            maxWait.CancelAfter(queueOptions.Value.MaxWait);
            while (true)
            {
                var envelope = await NextAsync(mailbox, progress, maxWait.Token, cancellationToken).ConfigureAwait(false);
                switch (envelope.KindCase)
                {
                    case RelayEnvelope.KindOneofCase.Assigned:
                        progress.Assigned = envelope.Assigned;
                        break;
                    case RelayEnvelope.KindOneofCase.Tokens:
                        progress.TimeToFirstToken ??= Stopwatch.GetElapsedTime(started);
                        progress.DeliveredTokens += envelope.Tokens.TokenIds.Count;
                        yield return new CompletionEvent { Delta = Delta(envelope.Tokens) };
                        break;
                    case RelayEnvelope.KindOneofCase.Finished:
                        progress.Ended = true;
                        progress.Usage = envelope.Finished.Usage;
                        yield return new CompletionEvent { Done = Done(envelope.Finished, progress, Stopwatch.GetElapsedTime(started)) };
                        progress.EndedWith(StatusCode.OK, null);
                        yield break;
                    case RelayEnvelope.KindOneofCase.Failed:
                        progress.Ended = true;
                        throw new RpcException(new Status((StatusCode)envelope.Failed.StatusCode, envelope.Failed.Message));
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

    /// <summary>Counts what the request used against its key's limits; a failure here is logged, never shown to the client.</summary>
    private async Task SettleAsync(Progress progress)
    {
        if (progress.Admitted is not { Reservation: not null } admitted)
        {
            return;
        }

        try
        {
            await admission.SettleAsync(admitted, progress.Usage?.PromptTokens, progress.Usage?.CompletionTokens ?? progress.DeliveredTokens).ConfigureAwait(false);
        }
        catch (RedisException exception)
        {
            LogSettleFailed(exception, progress.JobId);
        }
    }

    private async Task EnqueueAsync(CompletionRequest request, string jobId, IReadOnlyList<string> nodeGroups)
    {
        var assign = new Assign { JobId = jobId, Model = request.Model, Sampling = request.Sampling ?? new SamplingParams() };
        if (request.InputCase == CompletionRequest.InputOneofCase.Chat)
        {
            assign.Chat = request.Chat;
        }
        else
        {
            assign.Prompt = request.Prompt;
        }

        var result = await queue.EnqueueAsync(new QueuedJob(jobId, request.Model, request.Priority, relay.GatewayId, assign.ToByteArray()) { NodeGroups = nodeGroups }).ConfigureAwait(false);
        if (result.Outcome == EnqueueOutcome.QueueFull)
        {
            var retryAfter = result.RetryAfter;
            throw new RpcException(
                new Status(StatusCode.ResourceExhausted, string.Create(CultureInfo.InvariantCulture,
                    $"The queue for model '{request.Model}' is full ({result.Depth} jobs waiting); retry in {retryAfter.TotalSeconds:0.#} s.")),
                new Metadata { { RetryAfterKey, ((long)retryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) } });
        }
    }

    /// <summary>The job's next event; the maximum wait applies until a node takes the job.</summary>
    private async Task<RelayEnvelope> NextAsync(JobMailbox mailbox, Progress progress, CancellationToken maxWait, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await mailbox.Reader.ReadAsync(progress.Assigned is null && !progress.WaitExpired ? maxWait : cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                progress.WaitExpired = true;
                var removal = await queue.RemoveIfQueuedAsync(mailbox.JobId).ConfigureAwait(false);
                if (removal.Outcome != RemoveOutcome.NotQueued)
                {
                    progress.Ended = true;
                    throw new RpcException(new Status(StatusCode.DeadlineExceeded, string.Create(CultureInfo.InvariantCulture,
                        $"No node took the job within {queueOptions.Value.MaxWait.TotalSeconds:0.#} s (the queue's maximum wait for model '{progress.Request.Model}').")));
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

    private static CompletionDone Done(JobFinished finished, Progress progress, TimeSpan total) => new()
    {
        FinishReason = finished.FinishReason,
        Usage = finished.Usage,
        QueueWait = progress.Assigned?.QueueWait ?? Duration.FromTimeSpan(TimeSpan.Zero),
        TimeToFirstToken = Duration.FromTimeSpan(progress.TimeToFirstToken ?? total),
        TotalTime = Duration.FromTimeSpan(total),
        NodeId = progress.Assigned?.NodeId ?? string.Empty,
        RequestId = progress.Request.RequestId,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not withdraw job {JobId} after its client left; its lease will expire")]
    private partial void LogAbandonFailed(Exception exception, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not count job {JobId}'s tokens against its key's limits: Redis is unreachable")]
    private partial void LogSettleFailed(Exception exception, string jobId);

    private sealed class Progress(CompletionRequest request, Caller? caller, string jobId)
    {
        public CompletionRequest Request { get; } = request;

        public Caller? Caller { get; } = caller;

        public string JobId { get; } = jobId;

        /// <summary>When the gateway received the request (a <see cref="Stopwatch"/> timestamp).</summary>
        public long Received { get; } = Stopwatch.GetTimestamp();

        public AdmittedCompletion? Admitted { get; set; }

        /// <summary>Tokens sent to the client so far.</summary>
        public int DeliveredTokens { get; set; }

        /// <summary>The node's count, once it finished.</summary>
        public Usage? Usage { get; set; }

        /// <summary>How the call ended; null while it runs, or when it ended without a status (the client left).</summary>
        public StatusCode? Status { get; private set; }

        public string? StatusMessage { get; private set; }

        public void EndedWith(StatusCode status, string? message)
        {
            Status ??= status;
            StatusMessage ??= message;
        }

        public JobAssigned? Assigned { get; set; }

        public bool WaitExpired { get; set; }

        public TimeSpan? TimeToFirstToken { get; set; }

        public bool Ended { get; set; }
    }
}
