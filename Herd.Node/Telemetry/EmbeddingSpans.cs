using System.Diagnostics;
using Herd.Node.Engine;

namespace Herd.Node.Telemetry;

/// <summary>
/// An embedding job's engine span, <c>herd.node.embed</c>: from the pass that runs its first text
/// until its vectors are ready, so time waiting for the engine and time computing read apart.
/// Its texts may run over several iterations. Called on the engine thread only.
/// </summary>
public static class EmbeddingSpans
{
    /// <summary>The job's first texts run in this iteration's pass.</summary>
    public static void Started(EmbeddingJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        job.Span = NodeTelemetry.StartDetached(NodeTelemetry.EmbedSpan, job.TraceParent);
        job.Span?.SetTag(NodeTelemetry.InputTokensAttribute, job.Request.TotalTokens);
        job.Span?.SetTag(NodeTelemetry.EmbeddingTextsAttribute, job.Request.Texts.Count);
    }

    /// <summary>The job's vectors are ready, or it was cancelled.</summary>
    public static void Finished(EmbeddingJob job, FinishReason reason)
    {
        ArgumentNullException.ThrowIfNull(job);
        job.Span?.SetTag(NodeTelemetry.FinishReasonsAttribute, new[] { reason.ToString().ToLowerInvariant() });
        Stop(job);
    }

    /// <summary>The job ended with an error.</summary>
    public static void Failed(EmbeddingJob job, string message)
    {
        ArgumentNullException.ThrowIfNull(job);
        job.Span?.SetStatus(ActivityStatusCode.Error, message);
        Stop(job);
    }

    private static void Stop(EmbeddingJob job)
    {
        job.Span?.Stop();
        job.Span = null;
    }
}
