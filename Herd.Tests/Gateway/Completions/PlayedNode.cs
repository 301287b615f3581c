using Google.Protobuf.WellKnownTypes;
using Herd.Contracts.V1;
using Herd.Gateway.Queue;
using Herd.Gateway.Relay;

namespace Herd.Tests.Gateway.Completions;

/// <summary>
/// A node's part, played the way Nodes/Dispatch/JobServer plays it for a node linked to the
/// serving gateway: it takes jobs from the real queue and sends their events to the owner through
/// that gateway's real relay, so that they reach the runner over Redis.
/// </summary>
internal sealed class PlayedNode(JobQueue queue, QueueNotifications notifications, JobRelay servingRelay, string nodeId)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    public string NodeId { get; } = nodeId;

    /// <summary>Waits until a job for <paramref name="model"/> is queued, without taking it.</summary>
    public async Task WaitUntilQueuedAsync(string model)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (await queue.DepthAsync(model) == 0)
        {
            await notifications.Models.ReadAsync(deadline.Token);
        }
    }

    /// <summary>Takes the next job for <paramref name="model"/> as soon as one is queued, and tells its owner it is assigned.</summary>
    public async Task<PoppedJob> TakeAsync(string model)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (true)
        {
            if (await queue.TryPopAsync([model], NodeId, servingRelay.GatewayId) is { } job)
            {
                await ToOwnerAsync(job, new RelayEnvelope
                {
                    Assigned = new JobAssigned { NodeId = NodeId, GatewayId = servingRelay.GatewayId, QueueWait = Duration.FromTimeSpan(job.Waited) },
                });
                return job;
            }

            await notifications.Models.ReadAsync(deadline.Token);
        }
    }

    /// <summary>Sends one decode step's tokens; the first marks the job started, as the serving gateway does.</summary>
    public async Task TokensAsync(PoppedJob job, string text, params int[] tokenIds)
    {
        await queue.MarkStartedAsync(job.JobId);
        await ToOwnerAsync(job, new RelayEnvelope { Tokens = new TokenChunk { JobId = job.JobId, Text = text, TokenIds = { tokenIds } } });
    }

    public async Task FinishAsync(PoppedJob job, int promptTokens, int completionTokens, FinishReason reason = FinishReason.Stop)
    {
        await ToOwnerAsync(job, new RelayEnvelope
        {
            Finished = new JobFinished
            {
                JobId = job.JobId,
                FinishReason = reason,
                Usage = new Usage { PromptTokens = promptTokens, CompletionTokens = completionTokens },
            },
        });
        await queue.CompleteAsync(job.JobId);
    }

    public async Task FailAsync(PoppedJob job, int statusCode, string message)
    {
        await ToOwnerAsync(job, new RelayEnvelope { Failed = new JobFailed { JobId = job.JobId, StatusCode = statusCode, Message = message } });
        await queue.CompleteAsync(job.JobId);
    }

    /// <summary>Takes the next job and answers it whole: "Hel", "lo", then finished with the usage given.</summary>
    public async Task<PoppedJob> ServeAsync(string model, int promptTokens, int completionTokens)
    {
        var job = await TakeAsync(model);
        await TokensAsync(job, "Hel", 9906);
        await TokensAsync(job, "lo", 385);
        await FinishAsync(job, promptTokens, completionTokens);
        return job;
    }

    private ValueTask ToOwnerAsync(PoppedJob job, RelayEnvelope envelope)
    {
        envelope.JobId = job.JobId;
        return servingRelay.ToOwnerAsync(job.OwnerGatewayId, envelope);
    }
}
