using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Herd.Gateway.Ledger.Queries;

namespace Herd.Gateway.Api.Grpc.History;

/// <summary>
/// Reads the arguments the history and usage calls share (a time range, a page size, a page
/// token) and refuses bad ones with INVALID_ARGUMENT naming the field and what it accepts.
/// </summary>
public static class HistoryArguments
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    /// <summary>The range [<paramref name="from"/>, <paramref name="to"/>): both set, in order, at most <see cref="TimeRange.MaxLength"/> long.</summary>
    public static TimeRange Range(Timestamp? from, Timestamp? to)
    {
        var start = RequestFields.Instant(from, "from");
        var end = RequestFields.Instant(to, "to");
        if (start >= end)
        {
            throw RequestFields.Invalid($"from ({Text(start)}) must be before to ({Text(end)}); the range holds from, not to.");
        }

        return end - start > TimeRange.MaxLength
            ? throw RequestFields.Invalid($"from ({Text(start)}) and to ({Text(end)}) are more than {TimeRange.MaxLength.TotalDays:0} days apart; ask for a shorter range, several if need be.")
            : new TimeRange(start, end);
    }

    /// <summary>The page size asked for, <see cref="DefaultPageSize"/> for 0.</summary>
    public static int PageSize(int requested) => requested switch
    {
        0 => DefaultPageSize,
        >= 1 and <= MaxPageSize => requested,
        _ => throw RequestFields.Invalid($"page_size must be 1 to {MaxPageSize}, or 0 for {DefaultPageSize}; got {requested}."),
    };

    /// <summary>Where the page starts: null for an empty token (the first page).</summary>
    public static HistoryPosition? PageToken(string token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        return HistoryPosition.TryParseToken(token, out var position)
            ? position
            : throw RequestFields.Invalid("page_token is not one this herd gave out; pass next_page_token of the page before unchanged, or none for the first page.");
    }

    private static string Text(DateTimeOffset instant) => instant.ToString("u", CultureInfo.InvariantCulture);
}
