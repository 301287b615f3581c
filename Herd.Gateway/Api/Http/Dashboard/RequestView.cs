using Herd.Gateway.Ledger.Queries;

namespace Herd.Gateway.Api.Http.Dashboard;

/// <summary>One recent request; times in milliseconds, null where the request never got that far.</summary>
/// <param name="Prompt">Null unless the viewer may read every key's prompts and the ledger kept this one.</param>
public sealed record RequestView(
    string RequestId,
    string? KeyId,
    string Model,
    string? NodeId,
    string Status,
    string? FinishReason,
    int PromptTokens,
    int CompletionTokens,
    double? QueueWaitMs,
    double? TimeToFirstTokenMs,
    double TotalMs,
    DateTimeOffset ReceivedAt,
    string? Prompt)
{
    public static RequestView From(RecentRequestRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new RequestView(
            row.RequestId,
            row.KeyId,
            row.Model,
            row.NodeId,
            row.Status,
            row.FinishReason,
            row.PromptTokens,
            row.CompletionTokens,
            row.QueueWait?.TotalMilliseconds,
            row.TimeToFirstToken?.TotalMilliseconds,
            row.TotalTime.TotalMilliseconds,
            row.ReceivedAt,
            row.Prompt);
    }
}
