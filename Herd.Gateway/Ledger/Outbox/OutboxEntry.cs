namespace Herd.Gateway.Ledger.Outbox;

/// <summary>
/// One ended request on its way to the ledger: its usage record and, when its key keeps history,
/// the text of its prompt and completion.
/// </summary>
public sealed record OutboxEntry
{
    public required UsageRecord Usage { get; init; }

    /// <summary>The prompt, or a chat's messages as JSON; null when no text is kept.</summary>
    public string? Prompt { get; init; }

    /// <summary>The text delivered to the client; null when no text is kept.</summary>
    public string? Completion { get; init; }

    /// <summary>The history entry to store with the record, if the entry carries text.</summary>
    public HistoryEntry? History => Prompt is null
        ? null
        : new HistoryEntry { RequestId = Usage.RequestId, Prompt = Prompt, Completion = Completion ?? string.Empty };
}
