using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Herd.Gateway.Ledger.Queries;

namespace Herd.Gateway.Api.Http.Dashboard;

/// <summary>Reads the <c>from</c> and <c>to</c> of a usage query: ISO 8601 instants, by default the last day.</summary>
public static class UsageRangeArguments
{
    public static readonly TimeSpan DefaultLength = TimeSpan.FromDays(1);

    /// <summary>The range, or false with what is wrong in words for the person who chose it.</summary>
    public static bool TryRead(string? from, string? to, DateTimeOffset now, out TimeRange range, [NotNullWhen(false)] out string? problem)
    {
        range = default;
        problem = null;
        var end = now;
        if (!string.IsNullOrWhiteSpace(to) && !TryParse(to, out end))
        {
            problem = $"'to' must be an ISO 8601 time such as 2026-12-01T00:00:00Z; got '{to}'.";
            return false;
        }

        var start = end - DefaultLength;
        if (!string.IsNullOrWhiteSpace(from) && !TryParse(from, out start))
        {
            problem = $"'from' must be an ISO 8601 time such as 2026-12-01T00:00:00Z; got '{from}'.";
            return false;
        }

        if (start >= end)
        {
            problem = $"'from' ({start:u}) must be before 'to' ({end:u}).";
            return false;
        }

        if (end - start > TimeRange.MaxLength)
        {
            problem = $"The range may cover at most {TimeRange.MaxLength.TotalDays:0} days; choose a shorter one.";
            return false;
        }

        range = new TimeRange(start, end);
        return true;
    }

    private static bool TryParse(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
}
