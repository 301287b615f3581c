namespace Herd.Gateway.Ledger.Queries;

/// <summary>One request as the ledger recorded it, with its text when kept and its feedback when given.</summary>
/// <param name="Prompt">Null when the ledger holds no text for the request (the key opted out of history).</param>
/// <param name="Completion">Null exactly when <paramref name="Prompt"/> is.</param>
/// <param name="FeedbackScore">Null when the key gave no feedback on the request.</param>
/// <param name="PromptId">The published prompt the request called; null when it sent its own text.</param>
/// <param name="ParentRequestId">For a step of a chain, the id its steps share.</param>
/// <param name="Adapters">The adapters the generation ran with, as the ledger keeps them; null for the base model alone.</param>
public sealed record HistoryRow(
    string RequestId,
    string? KeyId,
    string Model,
    string Status,
    string? FinishReason,
    int PromptTokens,
    int CompletionTokens,
    decimal Fee,
    DateTimeOffset ReceivedAt,
    string? Prompt,
    string? Completion,
    int? FeedbackScore,
    string? FeedbackComment,
    DateTimeOffset? FeedbackAt,
    string? PromptId = null,
    string? PromptVersion = null,
    string? ParentRequestId = null,
    string? Adapters = null)
{
    /// <summary>Where this row stands in the order of history, for the page after it.</summary>
    public HistoryPosition Position => new(ReceivedAt, RequestId);
}
