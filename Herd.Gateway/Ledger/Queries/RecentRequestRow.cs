namespace Herd.Gateway.Ledger.Queries;

/// <summary>One recent request of any key, with its timings, and its prompt when the reader may see it and the ledger kept it.</summary>
/// <param name="Prompt">Null when not asked for, or when the ledger holds no text for the request.</param>
public sealed record RecentRequestRow(
    string RequestId,
    string? KeyId,
    string Model,
    string? NodeId,
    string Status,
    string? FinishReason,
    int PromptTokens,
    int CompletionTokens,
    TimeSpan? QueueWait,
    TimeSpan? TimeToFirstToken,
    TimeSpan TotalTime,
    DateTimeOffset ReceivedAt,
    string? Prompt);
