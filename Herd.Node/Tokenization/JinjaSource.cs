using System.Text;
using System.Text.RegularExpressions;

namespace Herd.Node.Tokenization;

/// <summary>Reads string literals and fragments out of a chat template's Jinja source.</summary>
internal static class JinjaSource
{
    /// <summary>The source with double quotes made single, so one pattern finds literals either way.</summary>
    public static string SingleQuoted(string source) => source.Replace('"', '\'');

    /// <summary>The first group of <paramref name="pattern"/>'s first match, with Jinja's string escapes undone.</summary>
    public static string? FindLiteral(string source, string pattern)
    {
        var match = Regex.Match(source, pattern, RegexOptions.CultureInvariant);
        return match.Success ? Unescape(match.Groups[1].Value) : null;
    }

    /// <summary>Undoes the escapes of a Jinja (Python) string literal: <c>\n</c>, <c>\t</c>, <c>\'</c>, <c>\\</c>.</summary>
    public static string Unescape(string literal)
    {
        var text = new StringBuilder(literal.Length);
        for (var i = 0; i < literal.Length; i++)
        {
            if (literal[i] != '\\' || i + 1 == literal.Length)
            {
                text.Append(literal[i]);
                continue;
            }

            i++;
            text.Append(literal[i] switch
            {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                _ => literal[i],
            });
        }

        return text.ToString();
    }
}
