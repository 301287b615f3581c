using System.Text.RegularExpressions;

namespace Herd.Node.Tokenization;

/// <summary>
/// Finds added tokens (<c>&lt;|eot_id|&gt;</c>, <c>&lt;s&gt;</c>, <c>[INST]</c>) in text, as Hugging
/// Face does before it normalizes and splits the rest: the leftmost match wins, the longest
/// where several start at the same place.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Regex? _pattern;
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        foreach (var token in tokens.Where(token => token.Content.Length > 0))
        {
            _ids.TryAdd(token.Content, token.Id);
        }

        if (_ids.Count > 0)
        {
            var alternatives = _ids.Keys
                .OrderByDescending(content => content.Length)
                .ThenBy(content => content, StringComparer.Ordinal)
                .Select(Regex.Escape);
            _pattern = new Regex(string.Join('|', alternatives), RegexOptions.Compiled | RegexOptions.CultureInvariant);
        }
    }

    /// <summary>The text cut into stretches of plain text and added tokens, in order.</summary>
    public IEnumerable<TextSegment> Split(string text)
    {
        var position = 0;
        if (_pattern is not null)
        {
            for (var match = _pattern.Match(text); match.Success; match = match.NextMatch())
            {
                if (match.Index > position)
                {
                    yield return new TextSegment(position, text[position..match.Index], null);
                }

                yield return new TextSegment(match.Index, match.Value, _ids[match.Value]);
                position = match.Index + match.Length;
            }
        }

        if (position < text.Length)
        {
            yield return new TextSegment(position, text[position..], null);
        }
    }
}
