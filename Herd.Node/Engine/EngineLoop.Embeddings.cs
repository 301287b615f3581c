using System.Diagnostics;
using System.Runtime.InteropServices;
using Herd.Node.Telemetry;
using Microsoft.Extensions.Logging;

namespace Herd.Node.Engine;

// Embedding jobs: admitted like sequences, run by the engine thread in one encoding pass per
// iteration beside generation, with no cache slot.
public sealed partial class EngineLoop
{
    /// <summary>
    /// Embeds every text of one request. Cancelling <paramref name="cancellationToken"/> ends it
    /// within one step with a Cancelled result and no vectors; running sequences are not affected
    /// either way.
    /// </summary>
    /// <exception cref="InvalidRequestException">There are no texts or too many, or a text is empty, longer than the context or has ids outside the vocabulary.</exception>
    /// <exception cref="EngineUnavailableException">Thrown by the task: the engine stopped, or the pass that ran the job's texts failed.</exception>
    public Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Admitted on the caller's thread, where the caller's span (the node's job) is current.
        var job = new EmbeddingJob(request.Validated(ContextLength, _vocabularySize))
        {
            TraceParent = Activity.Current?.Context ?? default,
        };
        // Not the caller's token: a cancelled caller still gets its Cancelled result from the engine.
        _commands.Add(new EngineCommand.Embed(job), CancellationToken.None);
        return WaitAsync(job, cancellationToken);
    }

    private async Task<EmbeddingResult> WaitAsync(EmbeddingJob job, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(() => _commands.TryAdd(new EngineCommand.CancelEmbedding(job)));
        return await job.Result.Task;
    }

    /// <summary>Runs this step's texts in one pass; a failure ends only the jobs whose texts were in it.</summary>
    private void Embed(IReadOnlyList<EmbeddingText> scheduled)
    {
        // A job the step's generation failure already ended has nothing more to compute.
        var texts = scheduled.Where(text => !text.Job.IsFinished).ToList();
        if (texts.Count == 0)
        {
            return;
        }

        var jobs = texts.Select(text => text.Job).Distinct().ToList();
        foreach (var job in jobs.Where(job => job.Span is null))
        {
            EmbeddingSpans.Started(job);
        }

        try
        {
            var vectors = _runner.Embed(texts);
            for (var i = 0; i < texts.Count; i++)
            {
                if (texts[i].Job.Add(texts[i].Index, vectors[i]))
                {
                    Finish(texts[i].Job, FinishReason.Stop);
                }
            }
        }
        catch (Exception error) when (error is ExternalException or InvalidOperationException or ArgumentException)
        {
            LogEmbeddingFailed(error);
            foreach (var job in jobs)
            {
                Fail(job, $"The engine failed to embed: {error.Message}");
            }
        }
    }

    private void Finish(EmbeddingJob job, FinishReason reason)
    {
        job.IsFinished = true;
        _scheduler.Remove(job);
        EmbeddingSpans.Finished(job, reason);
        var vectors = reason == FinishReason.Stop ? job.Vectors : [];
        job.Result.TrySetResult(new EmbeddingResult(reason, vectors, job.Request.TotalTokens, Stopwatch.GetElapsedTime(job.ArrivalTimestamp)));
    }

    private void Fail(EmbeddingJob job, string message)
    {
        job.IsFinished = true;
        _scheduler.Remove(job);
        EmbeddingSpans.Failed(job, message);
        job.Result.TrySetException(new EngineUnavailableException(message));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "An embedding pass failed; its jobs were ended with an error")]
    private partial void LogEmbeddingFailed(Exception error);
}
