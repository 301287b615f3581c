using Herd.Gateway.Access.Keys;
using Herd.Gateway.Ledger.Queries;
using Herd.Gateway.WebApp.Components;
using Herd.Gateway.WebApp.Data;
using Herd.Gateway.WebApp.Session;
using Herd.Gateway.WebApp.Tabs;
using Microsoft.AspNetCore.Components;

namespace Herd.Gateway.WebApp.Pages;

/// <summary>
/// My history: the signed-in key's own requests and what they add up to (<c>History/ListMine</c>),
/// its feedback on them, and its history opt-out (<c>Account/SetHistoryOptOut</c>).
/// </summary>
public sealed partial class History : LiveTab
{
    private const int RangeDays = 30;
    private const string NotKept = "(not kept)";

    private IReadOnlyList<HistoryRow>? _rows;
    private KeyStatistics? _statistics;
    private bool _optOut;
    private string? _refusal;
    private string? _optOutRefusal;

    [Inject]
    private MyHistory Mine { get; set; } = default!;

    [Inject]
    private HistoryOptOut HistoryOptOut { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    protected override AppTab Tab => AppTabs.History;

    protected override async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var answer = await Session.CheckAsync(ApiMethods.ListMine, cancellationToken);
        _refusal = answer.Refusal;
        if (!answer.IsAllowed)
        {
            (_rows, _statistics) = (null, null);
            return;
        }

        _optOut = answer.Caller.HistoryOptOut;
        var now = Time.GetUtcNow();
        (_rows, _statistics) = await Mine.ReadAsync(answer.Caller.KeyId, new TimeRange(now - TimeSpan.FromDays(RangeDays), now), cancellationToken);
    }

    private async Task SetOptOutAsync(bool optOut)
    {
        var answer = await Session.CheckAsync(ApiMethods.SetHistoryOptOut, CancellationToken.None);
        _optOutRefusal = answer.Refusal;
        if (answer.IsAllowed)
        {
            await HistoryOptOut.SetAsync(answer.Caller.KeyId, optOut, CancellationToken.None);
        }

        await ReadAsync();
    }

    private static string HistoryRowClass(HistoryRow row) => $"request-{row.RequestId}";
}
