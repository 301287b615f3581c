using Herd.Node.Model;
using Herd.Node.Tokenization;

namespace Herd.PeerBench.Gguf;

/// <summary>
/// The <c>tokenizer.ggml.*</c> keys for a byte-level BPE tokenizer in Llama 3's shape (llama.cpp's
/// "gpt2" model with the "llama-bpe" pre-tokenizer), read from a model folder's tokenizer.json.
/// Ids the embedding has beyond the tokenizer's become unused <c>[PAD{id}]</c> tokens, as
/// llama.cpp's converter pads them, since llama.cpp sizes the vocabulary by the token list.
/// </summary>
public static class GgufTokenizerMetadata
{
    // llama.cpp's token types.
    private const int Normal = 1;
    private const int Control = 3;
    private const int UserDefined = 4;
    private const int Unused = 5;

    /// <exception cref="NotSupportedException">The tokenizer is not a byte-level BPE with Llama 3's split pattern.</exception>
    public static void AddTo(GgufMetadata metadata, string modelFolder, ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(config);
        var json = TokenizerJson.TryRead(modelFolder);
        if (json is not { IsByteLevelBpe: true })
        {
            throw new NotSupportedException(
                $"{modelFolder} has no byte-level BPE tokenizer.json; the GGUF converter writes Llama 3-style tokenizers only (SentencePiece models such as Llama 2's are not supported).");
        }

        RequireLlama3Split(json, modelFolder);
        var (tokens, types) = Tokens(json, config.VocabSize, modelFolder);
        var tokenizer = ModelTokenizer.Load(modelFolder);
        metadata
            .Add("tokenizer.ggml.model", "gpt2")
            .Add("tokenizer.ggml.pre", "llama-bpe")
            .Add("tokenizer.ggml.tokens", tokens)
            .Add("tokenizer.ggml.token_type", types)
            .Add("tokenizer.ggml.merges", json.ReadMerges());
        if (tokenizer.BosTokenId is { } bos)
        {
            metadata.Add("tokenizer.ggml.bos_token_id", (uint)bos);
        }

        metadata.Add("tokenizer.ggml.add_bos_token", tokenizer.BosTokenId is not null);
        if (tokenizer.EosTokenIds.Concat(config.EosTokenId).FirstOrDefault(-1) is var eos and >= 0)
        {
            metadata.Add("tokenizer.ggml.eos_token_id", (uint)eos);
        }
    }

    private static void RequireLlama3Split(TokenizerJson json, string modelFolder)
    {
        var llama3 = SplitPreTokenizer.CreatePattern(SplitPreTokenizer.Llama3Pattern).ToString();
        var patterns = json.ReadSplitPatterns().Select(pattern => pattern.ToString()).ToList();
        if (patterns is not [var only] || only != llama3)
        {
            throw new NotSupportedException(
                $"{modelFolder}'s tokenizer splits text with {(patterns.Count == 0 ? "no pattern" : string.Join(" then ", patterns))}; the GGUF converter supports Llama 3's split pattern only (llama.cpp's \"llama-bpe\").");
        }
    }

    private static (List<string> Tokens, List<int> Types) Tokens(TokenizerJson json, int vocabSize, string modelFolder)
    {
        var byId = new Dictionary<int, (string Text, int Type)>();
        foreach (var (text, id) in json.ReadVocabulary())
        {
            byId[id] = (text, Normal);
        }

        foreach (var added in json.AddedTokens)
        {
            byId[added.Id] = (added.Content, added.Special ? Control : UserDefined);
        }

        if (byId.Count > 0 && byId.Keys.Max() >= vocabSize)
        {
            throw new NotSupportedException(
                $"{modelFolder}'s tokenizer has token id {byId.Keys.Max()}, beyond the model's vocab_size {vocabSize}; the tokenizer does not belong to the model.");
        }

        var tokens = new List<string>(vocabSize);
        var types = new List<int>(vocabSize);
        for (var id = 0; id < vocabSize; id++)
        {
            var (text, type) = byId.TryGetValue(id, out var known) ? known : ($"[PAD{id}]", Unused);
            tokens.Add(text);
            types.Add(type);
        }

        return (tokens, types);
    }
}
