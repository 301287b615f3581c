namespace Herd.Gateway.Ledger.Queries;

/// <summary>A span of time that ledger queries read requests by, on their <c>received_at</c>.</summary>
/// <param name="From">The first instant in the range.</param>
/// <param name="To">The first instant after the range.</param>
public readonly record struct TimeRange(DateTimeOffset From, DateTimeOffset To)
{
    /// <summary>The longest range a query may cover: a year, leap day included, keeps a query's cost bounded.</summary>
    public static readonly TimeSpan MaxLength = TimeSpan.FromDays(366);
}
