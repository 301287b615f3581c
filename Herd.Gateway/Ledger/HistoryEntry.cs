namespace Herd.Gateway.Ledger;

/// <summary>
/// The text of one request, kept beside its <see cref="UsageRecord"/> unless the key opted out of
/// history (<see cref="ApiKeyRecord.HistoryOptOut"/>).
/// </summary>
public sealed class HistoryEntry
{
    public required string RequestId { get; init; }

    /// <summary>The prompt as the node received it (a chat's messages rendered by its template).</summary>
    public required string Prompt { get; init; }

    /// <summary>The text delivered to the client, which for a request that ended early is what it got.</summary>
    public required string Completion { get; init; }
}
