using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Herd.Contracts.V1;
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
    IOptions<QueueOptions> queueOptions,
    ILogger<CompletionRunner> logger)
{
    /// <summary>Metadata key of the retry hint on RESOURCE_EXHAUSTED, in milliseconds.</summary>
    public const string RetryAfterKey = "retry-after-ms";

    /// <exception cref="RpcException">With the status the client should see.</exception>
    public async IAsyncEnumerable<CompletionEvent> RunAsync(CompletionRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        CompletionRequestValidator.Validate(request);
        await catalog.RequireServedAsync(request.Model).ConfigureAwait(false);

        var started = Stopwatch.GetTimestamp();
        var jobId = Guid.NewGuid().ToString("N");
        using var mailbox = mailboxes.Open(jobId);
        await EnqueueAsync(request, jobId).ConfigureAwait(false);

        var progress = new Progress(request);
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
                        yield return new CompletionEvent { Delta = Delta(envelope.Tokens) };
                        break;
                    case RelayEnvelope.KindOneofCase.Finished:
                        progress.Ended = true;
                        yield return new CompletionEvent { Done = Done(envelope.Finished, progress, Stopwatch.GetElapsedTime(started)) };
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

    private async Task EnqueueAsync(CompletionRequest request, string jobId)
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

        var result = await queue.EnqueueAsync(new QueuedJob(jobId, request.Model, request.Priority, relay.GatewayId, assign.ToByteArray())).ConfigureAwait(false);
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

    private sealed class Progress(CompletionRequest request)
    {
        public CompletionRequest Request { get; } = request;

        public JobAssigned? Assigned { get; set; }

        public bool WaitExpired { get; set; }

        public TimeSpan? TimeToFirstToken { get; set; }

        public bool Ended { get; set; }
    }
}
