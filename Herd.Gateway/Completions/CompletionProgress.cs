using System.Diagnostics;
using System.Text;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Admission;
using Herd.Gateway.Failures;

namespace Herd.Gateway.Completions;

/// <summary>What has happened to one completion so far: what it was admitted with, where it ran, what it delivered and how it ended.</summary>
public sealed class CompletionProgress(CompletionRequest request, Caller? caller, string jobId, DateTimeOffset receivedAt)
{
    private readonly StringBuilder? _completion = caller is { HistoryOptOut: false } ? new StringBuilder() : null;

    public CompletionRequest Request { get; } = request;

    public Door Door { get; init; }

    /// <summary>The published prompt the request's text came from; null for the caller's own text.</summary>
    public PromptOrigin? Origin { get; init; }

    public Caller? Caller { get; } = caller;

    /// <summary>The gateway's id for the request: the job's id in the queue and the request's in the ledger.</summary>
    public string JobId { get; } = jobId;

    /// <summary>When the gateway received the request (a <see cref="Stopwatch"/> timestamp).</summary>
    public long Received { get; } = Stopwatch.GetTimestamp();

    public DateTimeOffset ReceivedAt { get; } = receivedAt;

    public AdmittedCompletion? Admitted { get; set; }

    /// <summary>Tokens sent to the client so far.</summary>
    public int DeliveredTokens { get; private set; }

    /// <summary>The text sent to the client so far, when the caller's key keeps history; else null.</summary>
    public string? DeliveredText => _completion?.ToString();

    /// <summary>The node's count, once it finished.</summary>
    public Usage? Usage { get; set; }

    public FinishReason? FinishReason { get; set; }

    /// <summary>The adapters the node ran the generation with, once it finished; empty for the base model alone.</summary>
    public IReadOnlyCollection<AdapterUsed> Adapters { get; set; } = [];

    /// <summary>True once the answer was delivered whole.</summary>
    public bool Succeeded { get; private set; }

    /// <summary>Why the request failed; null while it runs, when it succeeded, or when the client left.</summary>
    public RequestFailure? Failure { get; private set; }

    /// <summary>The outcome as the ledger and the telemetry name it (<see cref="OutcomeNames"/>); a request the client left is cancelled.</summary>
    public string OutcomeName => Succeeded ? OutcomeNames.Ok : Failure is { } failure ? OutcomeNames.Of(failure.Kind) : OutcomeNames.Cancelled;

    /// <summary>What went wrong, in words; null when it succeeded.</summary>
    public string? OutcomeMessage => Succeeded ? null : Failure?.Message ?? "The client cancelled the call.";

    public JobAssigned? Assigned { get; set; }

    public bool WaitExpired { get; set; }

    public TimeSpan? TimeToFirstToken { get; set; }

    public bool Ended { get; set; }

    /// <summary>
    /// The prompt tokens the request is charged: the node's count once it finished; the most the
    /// prompt can take when it reached a node and ended early (the node may have read it all);
    /// none when it never reached a node.
    /// </summary>
    public int ChargedPromptTokens => Usage?.PromptTokens ?? (Assigned is null ? 0 : (int)Math.Min(int.MaxValue, Admitted?.PromptTokenBound ?? 0));

    /// <summary>The completion tokens the request is charged: the node's count, else those delivered.</summary>
    public int ChargedCompletionTokens => Usage?.CompletionTokens ?? DeliveredTokens;

    public void Delivered(TokenChunk chunk)
    {
        TimeToFirstToken ??= Stopwatch.GetElapsedTime(Received);
        DeliveredTokens += chunk.TokenIds.Count;
        _completion?.Append(chunk.Text);
    }

    /// <summary>The answer was delivered whole; the first outcome set stays.</summary>
    public void EndedWell() => Succeeded = Failure is null || Succeeded;

    /// <summary>The request failed; the first outcome set stays.</summary>
    public void EndedWith(RequestFailure failure)
    {
        if (!Succeeded)
        {
            Failure ??= failure;
        }
    }
}
