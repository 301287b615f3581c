using System.Globalization;
using System.Text;
using Herd.Gateway.Access.Roles;

namespace Herd.Gateway.Admission.Limits;

/// <summary>How limits read in messages: "20 requests per 1h", "in 12 min".</summary>
internal static class LimitText
{
    /// <summary>"20 requests per 1h", "6000 tokens per 1d".</summary>
    public static string Rule(LimitRule rule) =>
        $"{rule.Amount.ToString(CultureInfo.InvariantCulture)} {Unit(rule.Kind)} per {Duration(rule.Window)}";

    public static string Unit(LimitKind kind) => kind == LimitKind.Requests ? "requests" : "tokens";

    /// <summary>A window or any length as its parts, largest first: "1d", "1h30min", "1s500ms".</summary>
    public static string Duration(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return duration.ToString();
        }

        var text = new StringBuilder();
        Part(text, duration.Days, "d");
        Part(text, duration.Hours, "h");
        Part(text, duration.Minutes, "min");
        Part(text, duration.Seconds, "s");
        Part(text, duration.Milliseconds, "ms");
        return text.Length > 0 ? text.ToString() : duration.ToString();
    }

    /// <summary>
    /// How long until an instant, rounded up so that a client who waits that long is not early:
    /// "in 40 s", "in 12 min", "in 2 h 5 min", "in 3 d 4 h".
    /// </summary>
    public static string Until(TimeSpan wait)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
        if (seconds < 60)
        {
            return $"in {seconds} s";
        }

        var minutes = (seconds + 59) / 60;
        if (minutes < 60)
        {
            return $"in {minutes} min";
        }

        if (minutes < 24 * 60)
        {
            return Pair(minutes / 60, "h", minutes % 60, "min");
        }

        var hours = (minutes + 59) / 60;
        return Pair(hours / 24, "d", hours % 24, "h");
    }

    /// <summary>An instant in UTC to the second, or to the millisecond where it has them: "2026-11-25T11:00:00Z".</summary>
    public static string Instant(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFF'Z'", CultureInfo.InvariantCulture);

    private static string Pair(long major, string majorUnit, long minor, string minorUnit) =>
        minor == 0 ? $"in {major} {majorUnit}" : $"in {major} {majorUnit} {minor} {minorUnit}";

    private static void Part(StringBuilder text, int value, string unit)
    {
        if (value != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{value}{unit}");
        }
    }
}
