using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Configuration;
using Herd.Gateway.Nodes.Links;
using Herd.Gateway.Queue;
using Herd.Gateway.Relay;
using Herd.Gateway.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Herd.Gateway.Nodes.Dispatch;

/// <summary>
/// Serves one popped job on the node it was given to, relaying everything to the job's owner. If
/// the node goes away before the first token the job goes back to the front of the queue;
/// after it, the client gets UNAVAILABLE with the number of tokens it received.
/// </summary>
public sealed partial class JobServer(
    JobQueue queue,
    JobRelay relay,
    ServedJobs served,
    NodeRegistry registry,
    IOptions<GatewayOptions> gatewayOptions,
    GatewayTelemetry telemetry,
    ILogger<JobServer> logger)
{
    /// <summary>Starts serving; the slot reserved on <paramref name="connection"/> is released when the job ends.</summary>
    public void Start(NodeConnection connection, PoppedJob job)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(job);
        HopTimestamps.Mark(HopNames.GatewayDispatched, job.JobId);
        served.Add(job.JobId, connection, job.OwnerGatewayId);
        telemetry.QueueWaited(job.Model, job.Priority, job.Waited);
        // On the caller's thread up to the first wait for the node: the assignment goes out
        // without waiting for another thread to pick it up.
        _ = ServeAsync(connection, job);
    }

    private async Task ServeAsync(NodeConnection connection, PoppedJob job)
    {
        var delivered = 0;
        try
        {
            await relay.ToOwnerAsync(job.OwnerGatewayId, new RelayEnvelope
            {
                JobId = job.JobId,
                Assigned = new JobAssigned { NodeId = connection.NodeId, GatewayId = gatewayOptions.Value.GatewayId, QueueWait = Duration.FromTimeSpan(job.Waited) },
            }).ConfigureAwait(false);

            var assign = Assign.Parser.ParseFrom(job.Payload.Span);
            var events = await AssignAsync(connection, job, assign).ConfigureAwait(false);
            await foreach (var message in events.ReadAllAsync().ConfigureAwait(false))
            {
                switch (message.KindCase)
                {
                    case NodeMessage.KindOneofCase.Tokens:
                        HopTimestamps.Mark(HopNames.GatewayTokenReceived, job.JobId);
                        // Once a token is out the job must not be requeued. The mark is sent before
                        // the relay on the same Redis connection, so Redis applies it first, but not
                        // awaited first: the first token does not wait a round trip for it.
                        var marked = delivered == 0 ? queue.MarkStartedAsync(job.JobId) : null;
                        delivered += Math.Max(1, message.Tokens.TokenIds.Count);
                        await relay.ToOwnerAsync(job.OwnerGatewayId, new RelayEnvelope { JobId = job.JobId, Tokens = message.Tokens }).ConfigureAwait(false);
                        if (marked is not null)
                        {
                            await marked.ConfigureAwait(false);
                        }

                        break;
                    case NodeMessage.KindOneofCase.Finished:
                        await relay.ToOwnerAsync(job.OwnerGatewayId, new RelayEnvelope { JobId = job.JobId, Finished = message.Finished }).ConfigureAwait(false);
                        await queue.CompleteAsync(job.JobId).ConfigureAwait(false);
                        return;
                    case NodeMessage.KindOneofCase.Failed:
                        await OnFailedAsync(connection, job, message.Failed, delivered).ConfigureAwait(false);
                        return;
                    default:
                        break;
                }
            }

            await LostAsync(connection, job, delivered, "the node's link closed").ConfigureAwait(false);
        }
        catch (NodeLinkLostException exception)
        {
            await LostAsync(connection, job, delivered, exception.Message).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or InvalidOperationException or Google.Protobuf.InvalidProtocolBufferException)
        {
            LogServeFailed(exception, job.JobId, connection.NodeId);
            await FailAsync(job, StatusCode.Internal, $"The gateway could not serve the job: {exception.Message}", delivered).ConfigureAwait(false);
        }
        finally
        {
            served.Remove(job.JobId);
            connection.ReleaseSlot();
            registry.NotifyCapacityChanged();
        }
    }

    /// <summary>
    /// Sends the assignment over the node's link inside the <c>herd.dispatch</c> span, a child of
    /// the job's completion span, with that span's trace context on the assignment.
    /// </summary>
    private static async Task<ChannelReader<NodeMessage>> AssignAsync(NodeConnection connection, PoppedJob job, Assign assign)
    {
        ActivityContext.TryParse(job.TraceContext, null, out var parent);
        using var dispatch = GatewayTelemetry.Source.StartActivity(GatewayTelemetry.DispatchSpan, ActivityKind.Internal, parent);
        dispatch?.SetTag(TelemetryTags.Model, job.Model);
        dispatch?.SetTag(TelemetryTags.NodeId, connection.NodeId);
        dispatch?.SetTag(TelemetryTags.NodeGroup, connection.Group);

        // The node's spans for the job continue from this one; unrecorded, from the request's.
        if (dispatch is not null)
        {
            AssignTracing.Inject(assign, dispatch);
        }
        else if (job.TraceContext is { Length: > 0 } requestContext)
        {
            assign.Traceparent = requestContext;
        }

        return await connection.AssignAsync(assign, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task OnFailedAsync(NodeConnection connection, PoppedJob job, JobFailed failed, int delivered)
    {
        // A draining node refuses new work with UNAVAILABLE before any token: another node takes it.
        // A final failure is the job's answer (a provider node's provider is down: it would get it again).
        if (failed.StatusCode == (int)StatusCode.Unavailable && delivered == 0 && !failed.Final && await queue.RequeueAsync(job.JobId, connection.NodeId).ConfigureAwait(false))
        {
            LogRequeued(job.JobId, connection.NodeId, failed.Message);
            return;
        }

        await relay.ToOwnerAsync(job.OwnerGatewayId, new RelayEnvelope { JobId = job.JobId, Failed = failed }).ConfigureAwait(false);
        await queue.CompleteAsync(job.JobId).ConfigureAwait(false);
    }

    private async Task LostAsync(NodeConnection connection, PoppedJob job, int delivered, string reason)
    {
        if (delivered == 0 && await queue.RequeueAsync(job.JobId, connection.NodeId).ConfigureAwait(false))
        {
            LogRequeued(job.JobId, connection.NodeId, reason);
            return;
        }

        await FailAsync(job, StatusCode.Unavailable, string.Create(CultureInfo.InvariantCulture,
            $"Node {connection.NodeId} went away after {delivered} tokens had been delivered ({reason}); the rest of the answer is lost. Retry the request."), delivered).ConfigureAwait(false);
    }

    private async Task FailAsync(PoppedJob job, StatusCode code, string message, int delivered)
    {
        try
        {
            await relay.ToOwnerAsync(job.OwnerGatewayId, new RelayEnvelope
            {
                JobId = job.JobId,
                Failed = new JobFailed { JobId = job.JobId, StatusCode = (int)code, Message = message, TokensDelivered = delivered },
            }).ConfigureAwait(false);
            await queue.CompleteAsync(job.JobId).ConfigureAwait(false);
        }
        catch (RedisException exception)
        {
            // The owner's max wait or the lease sweep ends the job instead.
            LogServeFailed(exception, job.JobId, string.Empty);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} went back to the queue: node {NodeId} gave it up before its first token ({Reason})")]
    private partial void LogRequeued(string jobId, string nodeId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Serving job {JobId} on node {NodeId} failed")]
    private partial void LogServeFailed(Exception exception, string jobId, string nodeId);
}
