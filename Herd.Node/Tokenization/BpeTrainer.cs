using System.Text;

namespace Herd.Node.Tokenization;

/// <summary>
/// Learns byte-level BPE merges from a text the plain way: start from the 256 byte symbols and
/// repeatedly merge the most frequent adjacent pair. Ties go to the ordinally smallest pair, so
/// the result depends on nothing but the input.
/// </summary>
internal static class BpeTrainer
{
    /// <param name="words">The pre-tokenized corpus; merges never cross a word boundary.</param>
    /// <param name="vocabularySize">Symbols to end with, the 256 bytes included.</param>
    /// <returns>The symbols in id order (the bytes first, by value) and the merges in rank order.</returns>
    public static (IReadOnlyList<string> Vocabulary, IReadOnlyList<(string Left, string Right)> Merges) Train(IEnumerable<string> words, int vocabularySize)
    {
        var vocabulary = Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.ToChar((byte)b).ToString()).ToList();
        var known = new HashSet<string>(vocabulary, StringComparer.Ordinal);
        var corpus = words
            .GroupBy(word => ByteLevelAlphabet.Encode(Encoding.UTF8.GetBytes(word)), StringComparer.Ordinal)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => (Symbols: group.Key.Select(c => c.ToString()).ToList(), Count: group.Count()))
            .ToList();

        var merges = new List<(string Left, string Right)>();
        while (vocabulary.Count < vocabularySize)
        {
            var (left, right) = MostFrequentPair(corpus)
                ?? throw new InvalidOperationException($"The corpus has no pair left to merge after {vocabulary.Count} symbols.");
            merges.Add((left, right));

            // Two different merges can spell the same symbol; it gets one id.
            if (known.Add(left + right))
            {
                vocabulary.Add(left + right);
            }

            foreach (var (symbols, _) in corpus)
            {
                Merge(symbols, left, right);
            }
        }

        return (vocabulary, merges);
    }

    /// <summary>
    /// The pair seen most often, ties broken ordinally. Like Hugging Face's trainer without a
    /// minimum frequency, a pair seen once still merges: herd-tiny's short corpus has fewer than
    /// <see cref="HerdTinyTokenizer.LearnedTokenCount"/> pairs that occur twice.
    /// </summary>
    private static (string Left, string Right)? MostFrequentPair(List<(List<string> Symbols, int Count)> corpus)
    {
        var counts = new Dictionary<(string, string), int>();
        foreach (var (symbols, count) in corpus)
        {
            for (var i = 0; i + 1 < symbols.Count; i++)
            {
                var pair = (symbols[i], symbols[i + 1]);
                counts[pair] = counts.GetValueOrDefault(pair) + count;
            }
        }

        (string Left, string Right)? best = null;
        var bestCount = 0;
        foreach (var (pair, count) in counts)
        {
            if (count > bestCount || (count == bestCount && best is { } current && Compare(pair, current) < 0))
            {
                best = pair;
                bestCount = count;
            }
        }

        return best;
    }

    private static int Compare((string Left, string Right) a, (string Left, string Right) b)
    {
        var left = string.CompareOrdinal(a.Left, b.Left);
        return left != 0 ? left : string.CompareOrdinal(a.Right, b.Right);
    }

    private static void Merge(List<string> symbols, string left, string right)
    {
        for (var i = 0; i + 1 < symbols.Count; i++)
        {
            if (symbols[i] == left && symbols[i + 1] == right)
            {
                symbols[i] = left + right;
                symbols.RemoveAt(i + 1);
            }
        }
    }
}
