using System.Text;
using Herd.Node.Model;
using Microsoft.ML.Tokenizers;

namespace Herd.Node.Tokenization;

/// <summary>A byte-level BPE model from tokenizer.json (Llama 3, Qwen2, SmolLM, GPT-2).</summary>
internal sealed class ByteLevelBpeEncoder : ISegmentEncoder
{
    private readonly BpeTokenizer _tokenizer;
    private readonly NormalizationForm? _normalization;

    private ByteLevelBpeEncoder(BpeTokenizer tokenizer, NormalizationForm? normalization)
    {
        _tokenizer = tokenizer;
        _normalization = normalization;
    }

    public IReadOnlyDictionary<string, int> Vocabulary => _tokenizer.Vocabulary;

    public static ByteLevelBpeEncoder Create(TokenizerJson json, string path)
    {
        if (json.UnsupportedBpeSetting() is { } setting)
        {
            throw new ModelLoadException($"{path}: the BPE setting '{setting}' is not supported for byte-level models.");
        }

        var specialTokens = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in json.AddedTokens)
        {
            specialTokens[token.Content] = token.Id;
        }

        var options = new BpeOptions(json.ReadVocabulary())
        {
            Merges = json.ReadMerges(),
            ByteLevel = true,
            PreTokenizer = new SplitPreTokenizer(json.ReadSplitPatterns()),
            SpecialTokens = specialTokens,
        };

        try
        {
            return new ByteLevelBpeEncoder(BpeTokenizer.Create(options), json.ReadNormalization());
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new ModelLoadException($"{path}: the BPE model cannot be built: {e.Message}", e);
        }
    }

    public void Encode(string segment, bool atTextStart, List<int> ids)
    {
        var text = _normalization is { } form ? segment.Normalize(form) : segment;
        ids.AddRange(_tokenizer.EncodeToIds(text));
    }
}
