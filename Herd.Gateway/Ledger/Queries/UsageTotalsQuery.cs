using System.Globalization;
using Microsoft.EntityFrameworkCore;

namespace Herd.Gateway.Ledger.Queries;

/// <summary>Sums the usage records of a time range by key, model, node, day or prompt.</summary>
public static class UsageTotalsQuery
{
    /// <summary>One row per group that has requests in <paramref name="range"/>, ordered by group (ordinal).</summary>
    public static async Task<IReadOnlyList<UsageTotalRow>> UsageTotalsAsync(
        this LedgerDbContext context, TimeRange range, UsageGrouping grouping, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var inRange = context.Usage.AsNoTracking()
            .Where(usage => usage.ReceivedAt >= range.From && usage.ReceivedAt < range.To);
        var rows = grouping switch
        {
            UsageGrouping.Key => await SumAsync(inRange.GroupBy(usage => usage.KeyId ?? ""), cancellationToken).ConfigureAwait(false),
            UsageGrouping.Model => await SumAsync(inRange.GroupBy(usage => usage.Model), cancellationToken).ConfigureAwait(false),
            UsageGrouping.Node => await SumAsync(inRange.GroupBy(usage => usage.NodeId ?? ""), cancellationToken).ConfigureAwait(false),
            UsageGrouping.Day => await SumByDayAsync(inRange, cancellationToken).ConfigureAwait(false),
            UsageGrouping.Prompt => await SumAsync(inRange.GroupBy(usage => usage.PromptId == null ? "" : usage.PromptId + "@" + usage.PromptVersion), cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentOutOfRangeException(nameof(grouping), grouping, "Group usage by key, model, node, day or prompt."),
        };
        return [.. rows.OrderBy(row => row.Group, StringComparer.Ordinal)];
    }

    private static Task<List<UsageTotalRow>> SumAsync(IQueryable<IGrouping<string, UsageRecord>> groups, CancellationToken cancellationToken) =>
        groups.Select(group => new UsageTotalRow(
                group.Key,
                group.LongCount(),
                group.Sum(usage => (long)usage.PromptTokens),
                group.Sum(usage => (long)usage.CompletionTokens),
                group.Sum(usage => usage.Fee)))
            .ToListAsync(cancellationToken);

    /// <summary>Days are cut in UTC, whatever the database's time zone, so every reader sees the same days.</summary>
    private static async Task<List<UsageTotalRow>> SumByDayAsync(IQueryable<UsageRecord> inRange, CancellationToken cancellationToken)
    {
        // The date's parts rather than the date: Npgsql reads a truncated timestamptz back as an instant, not a DateTime.
        var days = await inRange
            .GroupBy(usage => new { usage.ReceivedAt.UtcDateTime.Year, usage.ReceivedAt.UtcDateTime.Month, usage.ReceivedAt.UtcDateTime.Day })
            .Select(group => new
            {
                group.Key.Year,
                group.Key.Month,
                group.Key.Day,
                Requests = group.LongCount(),
                PromptTokens = group.Sum(usage => (long)usage.PromptTokens),
                CompletionTokens = group.Sum(usage => (long)usage.CompletionTokens),
                Fee = group.Sum(usage => usage.Fee),
            })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. days.Select(day => new UsageTotalRow(
            new DateOnly(day.Year, day.Month, day.Day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            day.Requests,
            day.PromptTokens,
            day.CompletionTokens,
            day.Fee))];
    }
}
