using System.Buffers;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Herd.Node.Tokenization;

/// <summary>
/// Every token id with its text as the tokenizer spells it and the bytes it decodes to. Decoding
/// is concatenating bytes and reading them as UTF-8, which is what lets the streaming
/// detokenizer produce exactly the same text one token at a time.
/// </summary>
/// <remarks>
/// Herd decodes from this table rather than with Microsoft.ML.Tokenizers' <c>Decode</c>: that
/// keeps special tokens for BPE but drops them for SentencePiece, and for SentencePiece it removes
/// the leading space of the first word only when no byte-fallback token comes before it.
/// </remarks>
internal sealed class TokenTable
{
    private static readonly byte[] Nothing = [];

    private readonly string?[] _texts;
    private readonly byte[][] _bytes;
    private readonly bool[] _special;
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    private TokenTable(int count, bool stripsLeadingSpace)
    {
        _texts = new string?[count];
        _bytes = new byte[count][];
        _special = new bool[count];
        Array.Fill(_bytes, Nothing);
        StripsLeadingSpace = stripsLeadingSpace;
    }

    /// <summary>One more than the highest id: the size of the model's embedding.</summary>
    public int Count => _texts.Length;

    /// <summary>Whether decoded text loses one leading space (SentencePiece's mark before the first word).</summary>
    public bool StripsLeadingSpace { get; }

    public static TokenTable ForByteLevel(IReadOnlyDictionary<string, int> vocabulary, IReadOnlyList<AddedToken> added)
    {
        var table = new TokenTable(Size(vocabulary.Values, added), stripsLeadingSpace: false);
        foreach (var (text, id) in vocabulary)
        {
            table.Set(id, text, ByteLevelAlphabet.Decode(text), special: false);
        }

        table.SetAdded(added);
        return table;
    }

    public static TokenTable ForSentencePiece(SentencePieceTokenizer model, IReadOnlyList<AddedToken> added, bool stripsLeadingSpace)
    {
        var vocabulary = model.Vocabulary;
        var table = new TokenTable(Size(vocabulary.Values, added), stripsLeadingSpace);
        var control = new HashSet<int> { model.BeginningOfSentenceId, model.EndOfSentenceId, model.UnknownId };
        foreach (var (piece, id) in vocabulary)
        {
            if (control.Contains(id))
            {
                table.Set(id, piece, Nothing, special: true);
            }
            else if (model.ByteFallback && TryParseBytePiece(piece, out var value))
            {
                table.Set(id, piece, [value], special: false);
            }
            else
            {
                var text = model.EscapeWhiteSpaces ? piece.Replace('\u2581', ' ') : piece;
                table.Set(id, piece, Encoding.UTF8.GetBytes(text), special: false);
            }
        }

        table.SetAdded(added);
        return table;
    }

    /// <summary>The bytes a token decodes to; none for special tokens and ids outside the table.</summary>
    public ReadOnlySpan<byte> Bytes(int id) => (uint)id < (uint)_bytes.Length ? _bytes[id] : Nothing;

    public string? Text(int id) => (uint)id < (uint)_texts.Length ? _texts[id] : null;

    public bool IsSpecial(int id) => (uint)id < (uint)_special.Length && _special[id];

    public int? IdOf(string text) => _ids.TryGetValue(text, out var id) ? id : null;

    public string Decode(IReadOnlyList<int> ids)
    {
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var id in ids)
        {
            buffer.Write(Bytes(id));
        }

        var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        return StripsLeadingSpace && text.StartsWith(' ') ? text[1..] : text;
    }

    private void SetAdded(IReadOnlyList<AddedToken> added)
    {
        foreach (var token in added)
        {
            // Special tokens decode to nothing, as Hugging Face's skip_special_tokens has it;
            // other added tokens are text.
            Set(token.Id, token.Content, token.Special ? Nothing : Encoding.UTF8.GetBytes(token.Content), token.Special);
        }
    }

    private void Set(int id, string text, byte[] bytes, bool special)
    {
        _texts[id] = text;
        _bytes[id] = bytes;
        _special[id] = special;
        _ids.TryAdd(text, id);
    }

    private static int Size(IEnumerable<int> vocabularyIds, IReadOnlyList<AddedToken> added) =>
        vocabularyIds.Concat(added.Select(token => token.Id)).DefaultIfEmpty(-1).Max() + 1;

    /// <summary>SentencePiece's byte-fallback pieces are spelled <c>&lt;0xE2&gt;</c>.</summary>
    private static bool TryParseBytePiece(string piece, out byte value)
    {
        value = 0;
        return piece.Length == 6
            && piece.StartsWith("<0x", StringComparison.Ordinal)
            && piece[5] == '>'
            && byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out value);
    }
}
