using Herd.Gateway.Ledger.Queries;
using Herd.Gateway.WebApp.Components;
using Herd.Gateway.WebApp.Data;
using Herd.Gateway.WebApp.Session;
using Herd.Gateway.WebApp.Tabs;
using Microsoft.AspNetCore.Components;

namespace Herd.Gateway.WebApp.Pages;

/// <summary>
/// The Queue and usage tab: the jobs waiting per model and priority (<c>Catalog/ListModels</c>),
/// the newest requests of every key and the last day's usage (<c>UsageReports/GetTotals</c>), and
/// the requests' prompts only for roles allowed every key's text (<c>UsageReports/ListHistory</c>).
/// </summary>
public sealed partial class QueueAndUsage : LiveTab
{
    private static readonly TimeSpan UsageSpan = TimeSpan.FromDays(1);

    private IReadOnlyList<QueueRow>? _queue;
    private IReadOnlyList<RecentRequestRow>? _requests;
    private IReadOnlyList<UsageTotalRow>? _byKey;
    private IReadOnlyList<UsageTotalRow>? _byModel;
    private bool _readsPrompts;
    private string? _queueRefusal;
    private string? _activityRefusal;

    [Inject]
    private HerdActivity Activity { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    protected override AppTab Tab => AppTabs.Queue;

    protected override async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var queue = await Session.CheckAsync(ApiMethods.ListModels, cancellationToken);
        _queueRefusal = queue.Refusal;
        _queue = queue.IsAllowed ? await Activity.QueueAsync() : null;

        var activity = await Session.CheckAsync(ApiMethods.GetTotals, cancellationToken);
        _activityRefusal = activity.Refusal;
        if (!activity.IsAllowed)
        {
            (_requests, _byKey, _byModel) = (null, null, null);
            return;
        }

        _readsPrompts = activity.Caller.Role.AllowsMethod(ApiMethods.ListHistory);
        _requests = await Activity.RecentRequestsAsync(_readsPrompts, cancellationToken);
        var now = Time.GetUtcNow();
        var range = new TimeRange(now - UsageSpan, now);
        _byKey = await Activity.UsageAsync(range, UsageGrouping.Key, cancellationToken);
        _byModel = await Activity.UsageAsync(range, UsageGrouping.Model, cancellationToken);
    }

    private static string RequestRowClass(RecentRequestRow row) => $"request-{row.RequestId}";
}
