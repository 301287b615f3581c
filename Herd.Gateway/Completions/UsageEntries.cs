using System.Diagnostics;
using Google.Protobuf;
using Herd.Contracts.V1;
using Herd.Gateway.Adapters;
using Herd.Gateway.Failures;
using Herd.Gateway.Ledger;
using Herd.Gateway.Ledger.Outbox;

namespace Herd.Gateway.Completions;

/// <summary>Turns a completion's progress into what the outbox keeps: the open request at admission, the record at the end.</summary>
internal static class UsageEntries
{
    public static OpenRequest Open(CompletionProgress progress, string gatewayId)
    {
        var caller = progress.Caller ?? throw new InvalidOperationException("Only a verified caller's requests are recorded.");
        return new OpenRequest
        {
            RequestId = progress.JobId,
            GatewayId = Fit(gatewayId, UsageRecord.MaxGatewayIdLength)!,
            ClientRequestId = ClientRequestId(progress.Request),
            KeyId = caller.KeyId,
            Role = caller.Role.Name,
            Model = Fit(progress.Request.Model, UsageRecord.MaxModelLength)!,
            ReceivedAt = progress.ReceivedAt,
            PromptId = progress.Origin?.PromptId,
            PromptVersion = progress.Origin?.Version,
            ParentRequestId = progress.Origin?.ParentRequestId,
        };
    }

    public static OutboxEntry Ended(CompletionProgress progress, string gatewayId, decimal fee)
    {
        var caller = progress.Caller ?? throw new InvalidOperationException("Only a verified caller's requests are recorded.");
        var total = Stopwatch.GetElapsedTime(progress.Received);
        var keepsText = !caller.HistoryOptOut && progress.Admitted is not null;
        return new OutboxEntry
        {
            Usage = new UsageRecord
            {
                RequestId = progress.JobId,
                ClientRequestId = ClientRequestId(progress.Request),
                GatewayId = Fit(gatewayId, UsageRecord.MaxGatewayIdLength),
                KeyId = caller.KeyId,
                Role = caller.Role.Name,
                Model = Fit(progress.Request.Model, UsageRecord.MaxModelLength)!,
                Adapters = UsedAdapters.Describe(progress.Adapters),
                NodeId = Fit(progress.Assigned?.NodeId, UsageRecord.MaxNodeIdLength),
                PromptTokens = progress.ChargedPromptTokens,
                CompletionTokens = progress.ChargedCompletionTokens,
                QueueWait = progress.Assigned?.QueueWait?.ToTimeSpan(),
                TimeToFirstToken = progress.TimeToFirstToken,
                TotalTime = total,
                FinishReason = FinishReasonName(progress),
                Status = progress.OutcomeName,
                Door = progress.Door switch
                {
                    Door.Http => UsageRecord.HttpDoor,
                    Door.WebApp => UsageRecord.WebAppDoor,
                    _ => UsageRecord.GrpcDoor,
                },
                Message = Fit(progress.OutcomeMessage, UsageRecord.MaxMessageLength),
                Fee = fee,
                PromptId = progress.Origin?.PromptId,
                PromptVersion = progress.Origin?.Version,
                ParentRequestId = progress.Origin?.ParentRequestId,
                ReceivedAt = progress.ReceivedAt,
                EndedAt = progress.ReceivedAt + total,
            },
            Prompt = keepsText ? PromptText(progress.Request) : null,
            Completion = keepsText ? progress.DeliveredText ?? string.Empty : null,
        };
    }

    private static string? FinishReasonName(CompletionProgress progress) => progress.FinishReason switch
    {
        Contracts.V1.FinishReason.Stop => "stop",
        Contracts.V1.FinishReason.Length => "length",
        Contracts.V1.FinishReason.Cancelled => "cancelled",
        // Ended without the node's word: cancelled if anything had been delivered.
        _ => !progress.Succeeded && progress.Failure is null or { Kind: FailureKind.Cancelled } && progress.Assigned is not null ? "cancelled" : null,
    };

    /// <summary>The prompt as given, or a chat's messages or the texts to embed as JSON.</summary>
    private static string PromptText(CompletionRequest request) => request.InputCase switch
    {
        CompletionRequest.InputOneofCase.Chat => JsonFormatter.Default.Format(request.Chat),
        CompletionRequest.InputOneofCase.Embed => JsonFormatter.Default.Format(request.Embed),
        _ => request.Prompt,
    };

    private static string? ClientRequestId(CompletionRequest request) =>
        request.RequestId.Length == 0 ? null : Fit(request.RequestId, UsageRecord.MaxClientRequestIdLength);

    /// <summary>Cuts text to the ledger column's length: a record the ledger refused would be lost.</summary>
    private static string? Fit(string? text, int length) =>
        text is null || text.Length <= length ? text : text[..(char.IsHighSurrogate(text[length - 1]) ? length - 1 : length)];
}
