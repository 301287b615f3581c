using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Ledger;
using Herd.Gateway.Ledger.Queries;
using Microsoft.EntityFrameworkCore;

namespace Herd.Gateway.Api.Grpc.History;

/// <summary>
/// <c>herd.v1.History</c>: a key's own requests and its feedback on them. Every call acts for the
/// calling key only; a request of another key is treated as one that does not exist.
/// </summary>
public sealed partial class HistoryService(
    IDbContextFactory<LedgerDbContext> contexts,
    TimeProvider time,
    ILogger<HistoryService> logger) : Contracts.V1.History.HistoryBase
{
    public override async Task<HistoryPage> ListMine(ListMineRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = context.RequireCaller();
        var range = HistoryArguments.Range(request.From, request.To);
        var pageSize = HistoryArguments.PageSize(request.PageSize);
        var after = HistoryArguments.PageToken(request.PageToken);
        await using var ledger = await contexts.CreateDbContextAsync(context.CancellationToken).ConfigureAwait(false);
        var rows = await ledger.HistoryPageAsync(caller.KeyId, range, pageSize, after, context.CancellationToken).ConfigureAwait(false);
        return HistoryMessages.Page(rows);
    }

    public override async Task<SubmitFeedbackResponse> SubmitFeedback(SubmitFeedbackRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = context.RequireCaller();
        Validate(request);
        await using var ledger = await contexts.CreateDbContextAsync(context.CancellationToken).ConfigureAwait(false);
        var comment = request.Comment.Length == 0 ? null : request.Comment;
        var saved = await ledger.SubmitFeedbackAsync(
            request.RequestId, caller.KeyId, request.Score, comment, time.GetUtcNow(), context.CancellationToken).ConfigureAwait(false);
        if (!saved)
        {
            // The same answer whether another key made the request or nobody did: ids are not to be probed.
            throw new RpcException(new Status(StatusCode.NotFound,
                $"The ledger holds no request '{request.RequestId}' of this key. Give the ledger_id that CompletionDone reported to this key; a request that ended a moment ago may not be recorded yet, so retry shortly."));
        }

        LogFeedback(caller.KeyId, request.RequestId, request.Score);
        return new SubmitFeedbackResponse();
    }

    private static void Validate(SubmitFeedbackRequest request)
    {
        if (request.RequestId.Length is 0 or > UsageRecord.MaxRequestIdLength)
        {
            throw RequestFields.Invalid(
                $"request_id must be 1 to {UsageRecord.MaxRequestIdLength} characters, the id CompletionDone reported; got {request.RequestId.Length} characters.");
        }

        if (request.Score is < Feedback.MinScore or > Feedback.MaxScore)
        {
            throw RequestFields.Invalid($"score must be {Feedback.MinScore} (bad) to {Feedback.MaxScore} (good); got {request.Score}.");
        }

        if (request.Comment.Length > Feedback.MaxCommentLength)
        {
            throw RequestFields.Invalid(
                $"comment must be at most {Feedback.MaxCommentLength} characters; got {request.Comment.Length}. Shorten it.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Key {KeyId} scored request {RequestId} {Score}")]
    private partial void LogFeedback(string keyId, string requestId, int score);
}
