using System.Diagnostics;
using System.Threading.Channels;
using Herd.Contracts.V1;
using Herd.Node.Adapters;
using Herd.Node.Engine;
using Herd.Node.Serving;
using Herd.Node.Telemetry;
using Microsoft.Extensions.Options;
using ServedModel = Herd.Node.Serving.ServedModel;

namespace Herd.Node.Link;

/// <summary>
/// Runs one assigned job on the engine and writes what it produces to the link: one TokenChunk
/// per engine event, then JobFinished or JobFailed; an embedding job writes only JobFinished,
/// with its vectors, or JobFailed. A cancelled job ends with JobFinished and
/// FINISH_REASON_CANCELLED (the engine frees its slot within one step). The job's span continues
/// the trace the gateway sent in the assignment.
/// </summary>
public sealed partial class JobRunner(ModelHost host, NodeActivity activity, IOptions<NodeOptions> options, ILogger<JobRunner> logger)
{
    public async Task RunAsync(Assign assign, ChannelWriter<NodeMessage> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assign);
        ArgumentNullException.ThrowIfNull(output);
        var delivered = 0;
        using var lease = host.TryLease(assign.Model);
        using var span = JobSpan.Start(assign, lease?.Model.Name ?? assign.Model, options.Value.NodeId);
        if (lease is null)
        {
            // Its model was unloaded or is being unloaded: the gateway puts the job back in the queue.
            Fail(LinkStatus.Unavailable, $"This node does not serve {assign.Model} now (it serves {string.Join(", ", host.Models.Select(served => served.Name))}).");
            return;
        }

        var model = lease.Model;
        using var jobEnds = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Unloading);
        try
        {
            if (assign.InputCase == Assign.InputOneofCase.Embed)
            {
                await EmbedAsync(model, assign, output, span, jobEnds.Token, lease.Unloading);
                return;
            }

            var input = AssignMapping.ToPromptInput(assign);
            var sampling = AssignMapping.ToSampling(assign.Sampling, model.DefaultSampling);
            IReadOnlyList<ChosenAdapter> adapters = [];
            HopTimestamps.Mark(HopNames.NodeStarted, assign.JobId);
            await foreach (var generationEvent in model.GenerateAsync(assign.JobId, input, sampling, AssignMapping.ToAdapterSelection(assign.Adapters), jobEnds.Token))
            {
                switch (generationEvent)
                {
                    case AdaptersChosen chosen:
                        adapters = chosen.Adapters;
                        span?.SetTag(NodeTelemetry.AdaptersAttribute, string.Join(',', chosen.Adapters.Select(adapter => adapter.Adapter)));
                        break;
                    case GeneratedText text:
                        HopTimestamps.Mark(HopNames.NodeFirstToken, assign.JobId);
                        delivered += text.TokenIds.Count;
                        activity.AddTokens(text.TokenIds.Count);
                        output.TryWrite(new NodeMessage { Tokens = AssignMapping.ToChunk(assign.JobId, text, model.Tokenizer) });
                        break;
                    case GenerationFinished { Reason: Engine.FinishReason.Cancelled } when lease.Unloading.IsCancellationRequested:
                        Fail(LinkStatus.Unavailable, Unloaded(model));
                        break;
                    case GenerationFinished finished:
                        span?.SetTag(NodeTelemetry.InputTokensAttribute, finished.PromptTokens);
                        span?.SetTag(NodeTelemetry.OutputTokensAttribute, finished.CompletionTokens);
                        span?.SetTag(NodeTelemetry.FinishReasonsAttribute, new[] { finished.Reason.ToString().ToLowerInvariant() });
                        output.TryWrite(new NodeMessage { Finished = AssignMapping.ToFinished(assign.JobId, finished, adapters) });
                        break;
                    case GenerationFailed failed:
                        Fail(LinkStatus.Internal, failed.Message);
                        break;
                }
            }
        }
        catch (InvalidRequestException error)
        {
            Fail(LinkStatus.InvalidArgument, error.Message);
        }
        catch (AdapterUnavailableException error)
        {
            Fail(error.Reason switch
            {
                AdapterUnavailableReason.Unknown => LinkStatus.NotFound,
                AdapterUnavailableReason.NoRoom => LinkStatus.ResourceExhausted,
                _ => LinkStatus.FailedPrecondition,
            }, error.Message);
        }
        catch (EngineUnavailableException error)
        {
            // What GenerationFailed says for a generation job: the engine could not finish it.
            Fail(LinkStatus.Internal, error.Message);
        }
        catch (OperationCanceledException) when (lease.Unloading.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Fail(LinkStatus.Unavailable, Unloaded(model));
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogJobFailed(assign.JobId, error);
            Fail(LinkStatus.Internal, $"The node failed to run the job: {error.Message}");
        }

        void Fail(int code, string message)
        {
            span?.SetStatus(ActivityStatusCode.Error, message);
            output.TryWrite(new NodeMessage
            {
                Failed = new JobFailed { JobId = assign.JobId, StatusCode = code, Message = message, TokensDelivered = delivered },
            });
        }
    }

    private static string Unloaded(ServedModel model) => $"Model {model.Name} was unloaded from this node before the job finished.";

    private static async Task EmbedAsync(ServedModel model, Assign assign, ChannelWriter<NodeMessage> output, Activity? span, CancellationToken cancellationToken, CancellationToken unloading)
    {
        span?.SetTag(NodeTelemetry.EmbeddingTextsAttribute, assign.Embed.Texts.Count);
        var result = await model.EmbedAsync(assign.JobId, assign.Embed.Texts, cancellationToken);
        if (result.Reason == Engine.FinishReason.Cancelled && unloading.IsCancellationRequested)
        {
            output.TryWrite(new NodeMessage { Failed = new JobFailed { JobId = assign.JobId, StatusCode = LinkStatus.Unavailable, Message = Unloaded(model) } });
            return;
        }

        span?.SetTag(NodeTelemetry.InputTokensAttribute, result.PromptTokens);
        span?.SetTag(NodeTelemetry.EmbeddingDimensionsAttribute, model.Config.HiddenSize);
        span?.SetTag(NodeTelemetry.FinishReasonsAttribute, new[] { result.Reason.ToString().ToLowerInvariant() });
        output.TryWrite(new NodeMessage { Finished = AssignMapping.ToFinished(assign.JobId, result) });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} failed")]
    private partial void LogJobFailed(string jobId, Exception error);
}
