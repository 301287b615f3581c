using System.Diagnostics;
using Herd.Node.Engine;

namespace Herd.Node.Telemetry;

/// <summary>
/// A sequence's two spans, started and stopped at its own events rather than per iteration:
/// the engine runs many sequences in each iteration (continuous batching), so an iteration says
/// nothing about where one sequence is. Prefill runs from its admission into the batch until its
/// first token; decode from its first token until it ends. Called on the engine thread only.
/// </summary>
public static class SequenceSpans
{
    /// <summary>The sequence joined the running batch and its prompt starts to run.</summary>
    public static void Admitted(Sequence sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        sequence.PrefillSpan = NodeTelemetry.StartDetached(NodeTelemetry.PrefillSpan, sequence.TraceParent);
        sequence.PrefillSpan?.SetTag(NodeTelemetry.InputTokensAttribute, sequence.Prompt.Count);
    }

    /// <summary>The model produced the sequence's first token: prefill is over, decoding begins.</summary>
    public static void FirstToken(Sequence sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        sequence.PrefillSpan?.Stop();
        sequence.PrefillSpan = null;
        sequence.DecodeSpan = NodeTelemetry.StartDetached(NodeTelemetry.DecodeSpan, sequence.TraceParent);
    }

    /// <summary>The sequence finished (stop, length or cancelled).</summary>
    public static void Finished(Sequence sequence, FinishReason reason)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        End(sequence, reason.ToString().ToLowerInvariant(), error: null);
    }

    /// <summary>The sequence ended with an error.</summary>
    public static void Failed(Sequence sequence, string message)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        End(sequence, reason: null, message);
    }

    private static void End(Sequence sequence, string? reason, string? error)
    {
        foreach (var span in new[] { sequence.PrefillSpan, sequence.DecodeSpan })
        {
            if (span is null)
            {
                continue;
            }

            if (span == sequence.DecodeSpan)
            {
                span.SetTag(NodeTelemetry.OutputTokensAttribute, sequence.Generated.Count);
            }

            if (reason is not null)
            {
                span.SetTag(NodeTelemetry.FinishReasonsAttribute, new[] { reason });
            }

            if (error is not null)
            {
                span.SetStatus(ActivityStatusCode.Error, error);
            }

            span.Stop();
        }

        sequence.PrefillSpan = null;
        sequence.DecodeSpan = null;
    }
}
