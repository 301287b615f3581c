using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Access.Keys;
using Herd.Gateway.Api.Grpc.History;
using Herd.Gateway.Ledger;
using Herd.Gateway.Ledger.Queries;
using Microsoft.EntityFrameworkCore;

namespace Herd.Gateway.Api.Grpc.Admin;

/// <summary><c>herd.v1.UsageReports</c>: the usage and history of every key, for operators.</summary>
public sealed class UsageReportsService(IDbContextFactory<LedgerDbContext> contexts) : UsageReports.UsageReportsBase
{
    public override async Task<GetTotalsResponse> GetTotals(GetTotalsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        context.RequireCaller();
        var range = HistoryArguments.Range(request.From, request.To);
        var grouping = Grouping(request.GroupBy);
        await using var ledger = await contexts.CreateDbContextAsync(context.CancellationToken).ConfigureAwait(false);
        var rows = await ledger.UsageTotalsAsync(range, grouping, context.CancellationToken).ConfigureAwait(false);
        var response = new GetTotalsResponse();
        response.Totals.AddRange(rows.Select(UsageMessages.Total));
        return response;
    }

    public override async Task<HistoryPage> ListHistory(ListHistoryRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        context.RequireCaller();
        if (request.HasKeyId && !ApiKeySecret.IsKeyId(request.KeyId))
        {
            throw RequestFields.Invalid(
                $"key_id must be a key id, {ApiKeySecret.KeyIdLength} characters of a-z and 0-9 (Keys.ListKeys shows them), or unset for every key.");
        }

        var range = HistoryArguments.Range(request.From, request.To);
        var pageSize = HistoryArguments.PageSize(request.PageSize);
        var after = HistoryArguments.PageToken(request.PageToken);
        await using var ledger = await contexts.CreateDbContextAsync(context.CancellationToken).ConfigureAwait(false);
        var rows = await ledger.HistoryPageAsync(request.HasKeyId ? request.KeyId : null, range, pageSize, after, context.CancellationToken).ConfigureAwait(false);
        return HistoryMessages.Page(rows);
    }

    private static UsageGrouping Grouping(UsageGroupBy requested) => requested switch
    {
        UsageGroupBy.Key => UsageGrouping.Key,
        UsageGroupBy.Model => UsageGrouping.Model,
        UsageGroupBy.Node => UsageGrouping.Node,
        UsageGroupBy.Day => UsageGrouping.Day,
        UsageGroupBy.Prompt => UsageGrouping.Prompt,
        _ => throw RequestFields.Invalid($"group_by must be KEY, MODEL, NODE, DAY or PROMPT; got {requested}."),
    };
}
