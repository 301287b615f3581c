using System.Globalization;
using System.Numerics;

namespace Herd.Gateway.Prompts.Definitions;

/// <summary>Suggests the version after another: the last run of digits raised by one (<c>1.0</c> to <c>1.1</c>, <c>v9</c> to <c>v10</c>).</summary>
public static class VersionLabels
{
    public const string First = "1";

    /// <summary>The version after <paramref name="latest"/>; <see cref="First"/> when there is none, and <c>latest.1</c> when it ends in no digit.</summary>
    public static string Next(string? latest)
    {
        if (string.IsNullOrEmpty(latest))
        {
            return First;
        }

        var end = latest.Length;
        while (end > 0 && !char.IsAsciiDigit(latest[end - 1]))
        {
            end--;
        }

        if (end == 0)
        {
            return latest + ".1";
        }

        var start = end;
        while (start > 0 && char.IsAsciiDigit(latest[start - 1]))
        {
            start--;
        }

        var raised = BigInteger.Parse(latest.AsSpan(start, end - start), CultureInfo.InvariantCulture) + 1;
        return string.Concat(latest.AsSpan(0, start), raised.ToString(CultureInfo.InvariantCulture), latest.AsSpan(end));
    }
}
