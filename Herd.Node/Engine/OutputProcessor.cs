namespace Herd.Node.Engine;

/// <summary>
/// Turns one sequence's sampled tokens into the text the client sees: decodes them, cuts the
/// text before a stop sequence, and holds back a tail that might still become one.
/// </summary>
public sealed class OutputProcessor(ITextDecoder decoder, IReadOnlyList<string> stopSequences)
{
    private string _pending = "";

    /// <summary>Adds a token's text; returns what may be released and whether a stop sequence ended the output.</summary>
    public (string Text, bool Stopped) Add(int tokenId)
    {
        _pending += decoder.Add(tokenId);
        var stopAt = FirstStop();
        if (stopAt >= 0)
        {
            var released = _pending[..stopAt];
            _pending = "";
            return (released, true);
        }

        var hold = LongestStopPrefixSuffix();
        var ready = _pending[..^hold];
        _pending = _pending[^hold..];
        return (ready, false);
    }

    /// <summary>Releases what was held back once generation ends for another reason.</summary>
    public string Finish()
    {
        var rest = _pending + decoder.Flush();
        _pending = "";
        var stopAt = rest.Length == 0 ? -1 : IndexOfStop(rest);
        return stopAt >= 0 ? rest[..stopAt] : rest;
    }

    private int FirstStop() => stopSequences.Count == 0 ? -1 : IndexOfStop(_pending);

    private int IndexOfStop(string text)
    {
        var first = -1;
        foreach (var stop in stopSequences)
        {
            var at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first))
            {
                first = at;
            }
        }

        return first;
    }

    // Text that could be the start of a stop sequence completed by later tokens.
    private int LongestStopPrefixSuffix()
    {
        var longest = 0;
        foreach (var stop in stopSequences)
        {
            for (var length = Math.Min(stop.Length - 1, _pending.Length); length > longest; length--)
            {
                if (_pending.AsSpan(_pending.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }

        return longest;
    }
}
