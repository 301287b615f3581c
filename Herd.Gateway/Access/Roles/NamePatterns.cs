namespace Herd.Gateway.Access.Roles;

/// <summary>
/// A role's list of allowed names (models, node groups, methods, prompts, tabs or experts) as glob patterns: a
/// name is allowed when any pattern matches it whole. <c>*</c> stands for any run of characters,
/// <c>/</c> and <c>.</c> included, anywhere in a pattern; every other character matches itself,
/// case-sensitively.
/// </summary>
public sealed class NamePatterns
{
    /// <summary>Allows every name.</summary>
    public static readonly NamePatterns All = new(["*"]);

    /// <summary>Allows no name.</summary>
    public static readonly NamePatterns None = new([]);

    public NamePatterns(IEnumerable<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        Patterns = [.. patterns];
    }

    /// <summary>The patterns as written.</summary>
    public IReadOnlyList<string> Patterns { get; }

    /// <summary>True when one pattern is a lone <c>*</c>, so that every name matches, even one not known yet.</summary>
    public bool MatchesEveryName => Patterns.Contains("*");

    public bool Matches(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var pattern in Patterns)
        {
            if (IsMatch(pattern, name))
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() => Patterns.Count == 0 ? "(none)" : string.Join(", ", Patterns);

    /// <summary>Whether one pattern matches the whole name.</summary>
    public static bool IsMatch(string pattern, string name)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(name);
        var pieces = pattern.Split('*');
        if (pieces.Length == 1)
        {
            return string.Equals(pattern, name, StringComparison.Ordinal);
        }

        // The text before the first star must start the name and the text after the last star
        // must end it; the pieces between may sit anywhere in order, so the leftmost fit of each
        // leaves the most room for the rest.
        var first = pieces[0];
        var last = pieces[^1];
        if (name.Length < first.Length + last.Length
            || !name.StartsWith(first, StringComparison.Ordinal)
            || !name.EndsWith(last, StringComparison.Ordinal))
        {
            return false;
        }

        var position = first.Length;
        var end = name.Length - last.Length;
        for (var i = 1; i < pieces.Length - 1; i++)
        {
            var found = name.IndexOf(pieces[i], position, end - position, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            position = found + pieces[i].Length;
        }

        return true;
    }
}
