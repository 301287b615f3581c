using System.IO.Enumeration;
using System.Text.RegularExpressions;

namespace Herd.Gateway.Queue;

/// <summary>
/// Node groups: a label each node carries (<c>Herd:Node:Group</c>), and the patterns a job's role
/// allows (<c>team-a</c>, <c>gpu-*</c>, <c>*</c>). Jobs with the same patterns share a queue, so a
/// node only looks at the queues whose patterns admit its group.
/// </summary>
public static partial class NodeGroupPatterns
{
    /// <summary>The group of a node that names none.</summary>
    public const string DefaultGroup = "default";

    /// <summary>The canonical form of "any group".</summary>
    public const string Any = "*";

    /// <summary>The patterns in one canonical string (sorted, distinct, comma-separated), <see cref="Any"/> when any group will do.</summary>
    public static string Canonical(IReadOnlyList<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        return patterns.Count == 0 || patterns.Contains(Any)
            ? Any
            : string.Join(',', patterns.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
    }

    /// <summary>True when a node of <paramref name="group"/> may serve a job limited to <paramref name="patterns"/> (any group when empty).</summary>
    public static bool Admit(IReadOnlyList<string> patterns, string group)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        // Patterns have '*' as their only wildcard, and neither they nor groups have '?' or '\'.
        return patterns.Count == 0 || patterns.Any(pattern => FileSystemName.MatchesSimpleExpression(pattern, group, ignoreCase: false));
    }

    /// <exception cref="ArgumentException">A pattern is empty or has characters a group label cannot have.</exception>
    public static void Validate(IReadOnlyList<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        foreach (var pattern in patterns)
        {
            if (!IsValidPattern(pattern))
            {
                throw new ArgumentException(
                    $"Node group pattern '{pattern}' is not valid: use lowercase letters, digits, '.', '_', '-' and '*' (up to 63 characters).", nameof(patterns));
            }
        }
    }

    /// <summary>True when <paramref name="pattern"/> can stand in a job's node groups.</summary>
    public static bool IsValidPattern(string? pattern) => pattern is not null && PatternShape().IsMatch(pattern);

    /// <summary>True when <paramref name="group"/> is a valid node group label.</summary>
    public static bool IsValidGroup(string? group) => group is not null && GroupShape().IsMatch(group);

    [GeneratedRegex("^[a-z0-9*][a-z0-9._*-]{0,62}$")]
    private static partial Regex PatternShape();

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    private static partial Regex GroupShape();
}
