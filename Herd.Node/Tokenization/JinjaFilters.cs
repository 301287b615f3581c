using System.Globalization;
using System.Text;

namespace Herd.Node.Tokenization;

/// <summary>
/// The Jinja filters chat templates apply to message text, with the exact behaviour of the Python
/// implementation Hugging Face renders templates with, so a rendering matches to the character.
/// </summary>
internal static class JinjaFilters
{
    /// <summary>
    /// Python's whitespace (<c>str.isspace</c>), which <c>trim</c> and <c>strip()</c> remove. It is
    /// .NET's <see cref="char.IsWhiteSpace(char)"/> plus the separators U+001C to U+001F.
    /// </summary>
    private static readonly char[] PythonWhitespace =
    [
        '\t', '\n', '\v', '\f', '\r', '\u001C', '\u001D', '\u001E', '\u001F', ' ', '\u0085', '\u00A0', '\u1680',
        '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200A',
        '\u2028', '\u2029', '\u202F', '\u205F', '\u3000',
    ];

    /// <summary>Jinja's <c>trim</c> and Python's <c>strip()</c>: surrounding whitespace removed.</summary>
    public static string Trim(string text) => text.Trim(PythonWhitespace);

    /// <summary>
    /// Hugging Face's <c>tojson</c> of a string: Python's <c>json.dumps(text, ensure_ascii=False)</c>,
    /// a quoted literal that escapes quotes, backslashes and control characters and nothing else.
    /// </summary>
    public static string ToJson(string text)
    {
        var json = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            _ = c switch
            {
                '"' => json.Append("\\\""),
                '\\' => json.Append("\\\\"),
                '\n' => json.Append("\\n"),
                '\r' => json.Append("\\r"),
                '\t' => json.Append("\\t"),
                '\b' => json.Append("\\b"),
                '\f' => json.Append("\\f"),
                < ' ' => json.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => json.Append(c),
            };
        }

        return json.Append('"').ToString();
    }
}
