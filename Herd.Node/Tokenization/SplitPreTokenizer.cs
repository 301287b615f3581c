using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Herd.Node.Tokenization;

/// <summary>
/// Hugging Face's <c>Split</c> pre-tokenizer with the <c>Isolated</c> behaviour, chained as a
/// <c>Sequence</c> does: each pattern splits every piece the previous one produced, and text
/// between matches stays a piece of its own.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' <see cref="RegexPreTokenizer"/> keeps only the matches, so text a
/// pattern does not cover would be dropped silently, and it cannot chain patterns (SmolLM splits
/// digits first, then applies the GPT-2 pattern).
/// </remarks>
internal sealed class SplitPreTokenizer(IReadOnlyList<Regex> stages) : PreTokenizer
{
    /// <summary>The pattern GPT-2 and a bare <c>ByteLevel</c> pre-tokenizer split words with.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>The pattern Llama 3 splits words with.</summary>
    public const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public IReadOnlyList<Regex> Stages { get; } = stages;

    public static Regex CreatePattern(string pattern) =>
        new(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text);

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text.ToString());

    public IReadOnlyList<string> SplitToStrings(string text) =>
        Split(text).Select(piece => text.Substring(piece.Offset, piece.Length)).ToList();

    private List<(int Offset, int Length)> Split(string text)
    {
        var pieces = new List<(int Offset, int Length)>();
        if (text.Length == 0)
        {
            return pieces;
        }

        pieces.Add((0, text.Length));
        foreach (var stage in Stages)
        {
            var next = new List<(int Offset, int Length)>(pieces.Count * 2);
            foreach (var (offset, length) in pieces)
            {
                SplitIsolated(stage, text, offset, length, next);
            }

            pieces = next;
        }

        return pieces;
    }

    private static void SplitIsolated(Regex pattern, string text, int offset, int length, List<(int Offset, int Length)> into)
    {
        // Match(text, offset, length) treats the piece as the whole input, so look-arounds such as
        // \s+(?!\S) see the piece's end as Hugging Face does.
        var position = offset;
        for (var match = pattern.Match(text, offset, length); match.Success; match = match.NextMatch())
        {
            if (match.Length == 0)
            {
                continue;
            }

            if (match.Index > position)
            {
                into.Add((position, match.Index - position));
            }

            into.Add((match.Index, match.Length));
            position = match.Index + match.Length;
        }

        if (position < offset + length)
        {
            into.Add((position, offset + length - position));
        }
    }
}
