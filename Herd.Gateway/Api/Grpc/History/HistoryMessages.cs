using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Herd.Contracts.V1;
using Herd.Gateway.Admission.Fees;
using Herd.Gateway.Ledger.Queries;

namespace Herd.Gateway.Api.Grpc.History;

/// <summary>Turns history read from the ledger into the messages of <c>herd/v1/history.proto</c>.</summary>
public static class HistoryMessages
{
    public static HistoryPage Page(HistoryRows rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var page = new HistoryPage { NextPageToken = rows.Next?.ToToken() ?? "" };
        page.Entries.AddRange(rows.Rows.Select(Entry));
        return page;
    }

    public static HistoryEntry Entry(HistoryRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var entry = new HistoryEntry
        {
            RequestId = row.RequestId,
            KeyId = row.KeyId ?? "",
            Model = row.Model,
            Status = row.Status,
            FinishReason = row.FinishReason ?? "",
            PromptTokens = row.PromptTokens,
            CompletionTokens = row.CompletionTokens,
            Fee = FeeText.Format(row.Fee),
            ReceivedAt = Timestamp.FromDateTimeOffset(row.ReceivedAt),
            TextKept = row.Prompt is not null,
            Prompt = row.Prompt ?? "",
            Completion = row.Completion ?? "",
            PromptId = row.PromptId ?? "",
            PromptVersion = row.PromptVersion ?? "",
            ParentRequestId = row.ParentRequestId ?? "",
            Adapters = row.Adapters ?? "",
        };
        if (row.FeedbackScore is { } score)
        {
            entry.Feedback = new RequestFeedback
            {
                Score = score,
                Comment = row.FeedbackComment ?? "",
                SubmittedAt = row.FeedbackAt is { } at ? Timestamp.FromDateTimeOffset(at) : null,
            };
        }

        return entry;
    }
}
