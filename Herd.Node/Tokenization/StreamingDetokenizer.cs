using System.Text;
using Herd.Node.Engine;

namespace Herd.Node.Tokenization;

/// <summary>
/// Turns generated tokens into text one token at a time. A token may carry only part of a
/// character (byte-level BPE splits multi-byte characters; SentencePiece falls back to tokens
/// such as <c>&lt;0xE2&gt;</c>), so the bytes of an unfinished character wait for the tokens that
/// complete it. All pieces returned by <see cref="Add"/> and <see cref="Flush"/> together equal
/// <see cref="ModelTokenizer.Decode"/> of all the ids. One instance follows one sequence and is
/// not thread-safe.
/// </summary>
public sealed class StreamingDetokenizer : ITextDecoder
{
    private readonly TokenTable _tokens;

    // A stateful UTF-8 decoder keeps the bytes of an unfinished character between calls and
    // replaces invalid bytes exactly as decoding the whole sequence at once does.
    private readonly Decoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private char[] _chars = new char[64];
    private bool _leadingSpacePending;

    internal StreamingDetokenizer(TokenTable tokens)
    {
        _tokens = tokens;
        _leadingSpacePending = tokens.StripsLeadingSpace;
    }

    /// <summary>The text this token completes; empty while a character is unfinished or for special tokens.</summary>
    public string Add(int tokenId) => Emit(_tokens.Bytes(tokenId), flush: false);

    /// <summary>
    /// The end of the sequence: the bytes of a character left unfinished, as the replacement
    /// character U+FFFD (as <see cref="ModelTokenizer.Decode"/> gives them), or empty.
    /// </summary>
    public string Flush() => Emit([], flush: true);

    /// <summary>Feeds tokens that came before the ones to be streamed (the prompt) without returning their text.</summary>
    internal void Skip(IReadOnlyList<int> precedingIds)
    {
        foreach (var id in precedingIds)
        {
            _ = Emit(_tokens.Bytes(id), flush: false);
        }
    }

    private string Emit(ReadOnlySpan<byte> bytes, bool flush)
    {
        if (bytes.IsEmpty && !flush)
        {
            return string.Empty;
        }

        // At most one char per byte, plus the up to three bytes held back from earlier calls.
        var needed = bytes.Length + 4;
        if (_chars.Length < needed)
        {
            _chars = new char[Math.Max(needed, _chars.Length * 2)];
        }

        var count = _utf8.GetChars(bytes, _chars, flush);
        var text = _chars.AsSpan(0, count);
        if (_leadingSpacePending && count > 0)
        {
            // SentencePiece's mark before the first word decodes to a space that Decode drops.
            _leadingSpacePending = false;
            if (text[0] == ' ')
            {
                text = text[1..];
            }
        }

        return text.ToString();
    }
}
