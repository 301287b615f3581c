using System.Text.RegularExpressions;

namespace Herd.Node.Experts;

/// <summary>What an expert's name may be: it becomes part of a model name (<c>base:expert</c>).</summary>
public static partial class ExpertNames
{
    public const string Shape = "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex Pattern();
}
