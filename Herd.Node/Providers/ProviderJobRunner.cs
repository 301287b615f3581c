using System.Diagnostics;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Herd.Contracts.V1;
using Herd.Node.Link;
using Herd.Node.Telemetry;
using Microsoft.Extensions.Options;

namespace Herd.Node.Providers;

/// <summary>
/// Runs one assigned job on the provider and writes what it streams to the link: one TokenChunk
/// per non-empty delta (its text only: the provider's token ids are not the herd's, so the chunk
/// carries none and counts as one token until the usage arrives), then JobFinished with the usage
/// as the provider counted it. An embedding job writes JobFinished alone, with the provider's
/// vectors and prompt tokens. A failure ends with JobFailed marked final, so the gateway does not
/// hand the job to this provider again. A cancelled job aborts its HTTP request and ends with
/// FINISH_REASON_CANCELLED. The job's span continues the trace the gateway sent.
/// </summary>
public sealed partial class ProviderJobRunner(
    ProviderClient client,
    NodeActivity activity,
    IOptions<ProviderOptions> provider,
    IOptions<NodeOptions> node,
    ILogger<ProviderJobRunner> logger)
{
    public async Task RunAsync(Assign assign, ChannelWriter<NodeMessage> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assign);
        ArgumentNullException.ThrowIfNull(output);
        using var span = JobSpan.Start(assign, assign.Model, node.Value.NodeId);
        var job = new ProviderJob(assign.JobId, output, span);
        if (Refusal(assign) is { } refusal)
        {
            LogRefused(assign.JobId, assign.Model, refusal);
            job.Fail(LinkStatus.FailedPrecondition, refusal);
            return;
        }

        var providerModel = provider.Value.Models[assign.Model];
        span?.SetTag(NodeTelemetry.ProviderModelAttribute, providerModel);
        try
        {
            if (assign.InputCase == Assign.InputOneofCase.Embed)
            {
                var embeddings = await client.EmbedAsync(assign, providerModel, cancellationToken);
                span?.SetTag(NodeTelemetry.EmbeddingTextsAttribute, embeddings.Vectors.Count);
                job.Embedded(embeddings);
                return;
            }

            await foreach (var chunk in client.StreamAsync(assign, providerModel, cancellationToken))
            {
                if (chunk.Text is { Length: > 0 } text)
                {
                    activity.AddTokens(1);
                    job.Delta(text);
                }

                job.Took(chunk);
            }

            job.Finish(cancelled: false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            job.Finish(cancelled: true);
        }
        catch (ProviderException error)
        {
            Report(assign, providerModel, error);
            job.Fail(error.Status, error.Message, error.RetryAfter);
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            // An answer that is not what OpenAI's API sends (a field of the wrong type), a body
            // that broke while it was read, a timeout of the HTTP stack: the job must still end,
            // with what went wrong.
            LogJobFailed(assign.JobId, providerModel, error);
            job.Fail(LinkStatus.Unavailable, $"The provider's answer could not be read: {error.Message}");
        }
    }

    /// <summary>Why a job cannot be served by the provider; null when it can.</summary>
    private string? Refusal(Assign assign)
    {
        if (!provider.Value.Models.ContainsKey(assign.Model))
        {
            return $"This provider node does not serve {assign.Model} (it serves {string.Join(", ", provider.Value.Models.Keys)}).";
        }

        return assign.Adapters?.ChoiceCase is AdapterChoice.ChoiceOneofCase.Named or AdapterChoice.ChoiceOneofCase.Route
            ? $"Model {assign.Model} is served by an external provider, which runs no herd adapters or experts."
            : null;
    }

    private void Report(Assign assign, string providerModel, ProviderException error)
    {
        if (error.BadCredentials)
        {
            LogBadCredentials(provider.Value.BaseUrl, error.HttpStatus ?? 0, provider.Value.ApiKeySource, assign.JobId);
            return;
        }

        LogProviderFailed(assign.JobId, providerModel, provider.Value.BaseUrl, error.Status, error.Message);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration error: the provider at {BaseUrl} refused this node's API key (HTTP {HttpStatus}); set a valid key in {KeySource}. Job {JobId} failed")]
    private partial void LogBadCredentials(Uri? baseUrl, int httpStatus, string keySource, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} failed on the provider at {BaseUrl} (model {ProviderModel}), status {Status}: {Reason}")]
    private partial void LogProviderFailed(string jobId, string providerModel, Uri? baseUrl, int status, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} failed reading the provider's answer (model {ProviderModel})")]
    private partial void LogJobFailed(string jobId, string providerModel, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused job {JobId} of model {Model}: {Reason}")]
    private partial void LogRefused(string jobId, string model, string reason);

    /// <summary>One job's progress: what it delivered, what the provider said at the end, and its messages to the link.</summary>
    private sealed class ProviderJob(string jobId, ChannelWriter<NodeMessage> output, Activity? span)
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private TimeSpan? _firstToken;
        private int _delivered;
        private string? _finishReason;
        private ProviderUsage? _usage;

        public void Delta(string text)
        {
            _firstToken ??= Stopwatch.GetElapsedTime(_started);
            _delivered++;
            output.TryWrite(new NodeMessage { Tokens = new TokenChunk { JobId = jobId, Text = text } });
        }

        public void Took(ProviderChunk chunk)
        {
            _finishReason = chunk.FinishReason ?? _finishReason;
            _usage = chunk.Usage ?? _usage;
        }

        public void Finish(bool cancelled)
        {
            // A provider that sends no usage: its deltas are the closest count there is.
            var usage = _usage ?? new ProviderUsage(0, _delivered);
            var reason = cancelled ? Contracts.V1.FinishReason.Cancelled : ProviderFinishReasons.Of(_finishReason);
            span?.SetTag(NodeTelemetry.InputTokensAttribute, usage.PromptTokens);
            span?.SetTag(NodeTelemetry.OutputTokensAttribute, usage.CompletionTokens);
            span?.SetTag(NodeTelemetry.FinishReasonsAttribute, new[] { cancelled ? "cancelled" : _finishReason ?? "unspecified" });
            var total = Stopwatch.GetElapsedTime(_started);
            output.TryWrite(new NodeMessage
            {
                Finished = new JobFinished
                {
                    JobId = jobId,
                    FinishReason = reason,
                    Usage = new Usage { PromptTokens = usage.PromptTokens, CompletionTokens = usage.CompletionTokens },
                    TimeToFirstToken = Duration.FromTimeSpan(_firstToken ?? total),
                    TotalTime = Duration.FromTimeSpan(total),
                },
            });
        }

        public void Embedded(ProviderEmbeddings embeddings)
        {
            span?.SetTag(NodeTelemetry.InputTokensAttribute, embeddings.PromptTokens);
            var finished = new JobFinished
            {
                JobId = jobId,
                FinishReason = Contracts.V1.FinishReason.Stop,
                Usage = new Usage { PromptTokens = embeddings.PromptTokens },
                TotalTime = Duration.FromTimeSpan(Stopwatch.GetElapsedTime(_started)),
            };
            foreach (var vector in embeddings.Vectors)
            {
                var embedding = new Embedding();
                embedding.Values.AddRange(vector);
                finished.Embeddings.Add(embedding);
            }

            output.TryWrite(new NodeMessage { Finished = finished });
        }

        public void Fail(int status, string message, TimeSpan? retryAfter = null)
        {
            span?.SetStatus(ActivityStatusCode.Error, message);
            var failed = new JobFailed { JobId = jobId, StatusCode = status, Message = message, TokensDelivered = _delivered, Final = true };
            if (retryAfter is { } wait)
            {
                failed.RetryAfter = Duration.FromTimeSpan(wait);
            }

            output.TryWrite(new NodeMessage { Failed = failed });
        }
    }
}
