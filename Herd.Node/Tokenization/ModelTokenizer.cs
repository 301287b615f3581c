using Herd.Node.Model;

namespace Herd.Node.Tokenization;

/// <summary>
/// The tokenizer of a Hugging Face model folder, built on Microsoft.ML.Tokenizers: a byte-level
/// BPE from <c>tokenizer.json</c> (Llama 3, Qwen2, SmolLM) or a SentencePiece model from
/// <c>tokenizer.model</c> (Llama 2, Mistral, TinyLlama), with the BOS and EOS tokens and chat
/// template of <c>tokenizer_config.json</c>. Thread-safe.
/// </summary>
public sealed class ModelTokenizer
{
    private readonly ISegmentEncoder _encoder;
    private readonly AddedTokenMatcher _addedTokens;
    private readonly TokenTable _tokens;
    private readonly AddedToken? _bos;

    private ModelTokenizer(ISegmentEncoder encoder, IReadOnlyList<AddedToken> addedTokens, TokenTable tokens, AddedToken? bos, IReadOnlyList<int> eosTokenIds, ChatTemplate? chatTemplate)
    {
        _encoder = encoder;
        _addedTokens = new AddedTokenMatcher(addedTokens);
        _tokens = tokens;
        _bos = bos;
        EosTokenIds = eosTokenIds;
        ChatTemplate = chatTemplate;
    }

    /// <summary>The token <see cref="Encode"/> puts first, or null where the tokenizer puts none (Qwen2).</summary>
    public int? BosTokenId => _bos?.Id;

    /// <summary>The text of the BOS token, as a rendered chat template starts with it.</summary>
    public string? BosToken => _bos?.Content;

    /// <summary>
    /// The end-of-sequence tokens tokenizer_config.json names (SentencePiece's own where it names
    /// none); the engine adds those of config.json and generation_config.json.
    /// </summary>
    public IReadOnlyList<int> EosTokenIds { get; }

    /// <summary>One more than the highest token id, added tokens included.</summary>
    public int VocabSize => _tokens.Count;

    /// <summary>The model's chat template, or null when the folder has none.</summary>
    public ChatTemplate? ChatTemplate { get; }

    /// <summary>Reads the tokenizer of a model folder.</summary>
    /// <exception cref="ModelLoadException">No tokenizer file, a malformed one, or a tokenizer model Herd does not support.</exception>
    public static ModelTokenizer Load(string modelFolder)
    {
        ArgumentNullException.ThrowIfNull(modelFolder);
        if (!Directory.Exists(modelFolder))
        {
            throw new ModelLoadException($"The model folder {modelFolder} does not exist.");
        }

        var config = TokenizerConfig.Read(modelFolder);
        var json = TokenizerJson.TryRead(modelFolder);
        var sentencePiecePath = Path.Combine(modelFolder, SentencePieceEncoder.FileName);
        if (json is { IsByteLevelBpe: true })
        {
            return FromByteLevelBpe(json, config, Path.Combine(modelFolder, TokenizerJson.FileName));
        }

        if (File.Exists(sentencePiecePath))
        {
            return FromSentencePiece(sentencePiecePath, json, config);
        }

        if (json is not null)
        {
            throw new ModelLoadException(json.ModelType == "BPE"
                ? $"{Path.Combine(modelFolder, TokenizerJson.FileName)} holds a SentencePiece-style BPE model; Herd reads such tokenizers from tokenizer.model, which the folder lacks."
                : $"{Path.Combine(modelFolder, TokenizerJson.FileName)} has a tokenizer model of type '{json.ModelType}', which Herd does not support; it reads byte-level BPE from tokenizer.json and SentencePiece from tokenizer.model.");
        }

        throw new ModelLoadException($"{modelFolder} has neither {TokenizerJson.FileName} nor {SentencePieceEncoder.FileName}.");
    }

    /// <summary>
    /// The ids of <paramref name="text"/>, with the BOS token first where the tokenizer adds one,
    /// exactly once: text that already starts with the BOS text (a rendered chat template) gets no
    /// second one. Texts of added tokens such as <c>&lt;|eot_id|&gt;</c> become their ids.
    /// </summary>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 2);
        if (_bos is not null && !text.StartsWith(_bos.Content, StringComparison.Ordinal))
        {
            ids.Add(_bos.Id);
        }

        foreach (var segment in _addedTokens.Split(text))
        {
            if (segment.AddedTokenId is { } id)
            {
                ids.Add(id);
            }
            else
            {
                _encoder.Encode(segment.Text, atTextStart: segment.Offset == 0, ids);
            }
        }

        return ids;
    }

    /// <summary>The text of <paramref name="ids"/>; special tokens (BOS, EOS, <c>&lt;|eot_id|&gt;</c>) are left out.</summary>
    public string Decode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return _tokens.Decode(ids);
    }

    /// <summary>A token as the tokenizer spells it: <c>Ġworld</c>, <c>▁world</c>, <c>&lt;0xE2&gt;</c>, <c>&lt;|eot_id|&gt;</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No token has this id.</exception>
    public string TokenText(int id) =>
        _tokens.Text(id) ?? throw new ArgumentOutOfRangeException(nameof(id), id, $"No token has id {id}; the vocabulary has {VocabSize} ids.");

    /// <summary>Whether the token is special (BOS, EOS, a control token): it decodes to no text.</summary>
    public bool IsSpecial(int id) => _tokens.IsSpecial(id);

    /// <summary>A detokenizer whose output, pieced together, is <see cref="Decode"/> of the ids it is given.</summary>
    public StreamingDetokenizer CreateDetokenizer() => new(_tokens);

    /// <summary>
    /// A detokenizer for tokens that continue <paramref name="precedingIds"/> (the prompt): its
    /// output is the text they add after it, so a SentencePiece reply keeps the space before its
    /// first word, which <see cref="Decode"/> of the reply alone drops.
    /// </summary>
    public StreamingDetokenizer CreateDetokenizer(IReadOnlyList<int> precedingIds)
    {
        ArgumentNullException.ThrowIfNull(precedingIds);
        var detokenizer = new StreamingDetokenizer(_tokens);
        detokenizer.Skip(precedingIds);
        return detokenizer;
    }

    private static ModelTokenizer FromByteLevelBpe(TokenizerJson json, TokenizerConfig config, string path)
    {
        var encoder = ByteLevelBpeEncoder.Create(json, path);
        var added = WithConfigSpecialTokens(json.AddedTokens, config, encoder.Vocabulary);
        var tokens = TokenTable.ForByteLevel(encoder.Vocabulary, added);
        var bos = ChooseBos(json.ReadPostProcessorStart(), config, defaultBos: null, tokens, path);
        var eos = EosIds(config, defaultEos: null, tokens, path);
        return new ModelTokenizer(encoder, added, tokens, bos, eos, Template(config, config.BosToken, config.EosToken));
    }

    private static ModelTokenizer FromSentencePiece(string path, TokenizerJson? json, TokenizerConfig config)
    {
        var encoder = SentencePieceEncoder.Create(path, json?.ReadSentencePiecePrefix(), config.Legacy);
        var model = encoder.Model;
        var added = WithConfigSpecialTokens(json?.AddedTokens ?? config.AddedTokens, config, model.Vocabulary);
        foreach (var (id, content) in new[] { (model.BeginningOfSentenceId, model.BeginningOfSentenceToken), (model.EndOfSentenceId, model.EndOfSentenceToken), (model.UnknownId, model.UnknownToken) })
        {
            if (added.All(token => token.Content != content))
            {
                added.Add(new AddedToken(id, content, Special: true));
            }
        }

        var tokens = TokenTable.ForSentencePiece(model, added, stripsLeadingSpace: encoder.Prefix != SentencePiecePrefix.Never);

        // Without a post-processor to say otherwise, Hugging Face's LlamaTokenizer adds BOS.
        var postProcessor = json?.ReadPostProcessorStart();
        var defaultBos = postProcessor is null ? new AddedToken(model.BeginningOfSentenceId, model.BeginningOfSentenceToken, Special: true) : null;
        var bos = ChooseBos(postProcessor, config, defaultBos, tokens, path);
        var eos = EosIds(config, model.EndOfSentenceId, tokens, path);
        var template = Template(config, config.BosToken ?? model.BeginningOfSentenceToken, config.EosToken ?? model.EndOfSentenceToken);
        return new ModelTokenizer(encoder, added, tokens, bos, eos, template);
    }

    /// <summary>
    /// The BOS token to add: none where tokenizer_config.json says <c>add_bos_token: false</c>;
    /// else the special token the tokenizer.json post-processor puts first; else, where
    /// <c>add_bos_token</c> is true or the tokenizer adds one by default, <c>bos_token</c>.
    /// </summary>
    private static AddedToken? ChooseBos(PostProcessorStart? postProcessor, TokenizerConfig config, AddedToken? defaultBos, TokenTable tokens, string path)
    {
        if (config.AddBosToken == false)
        {
            return null;
        }

        if (postProcessor?.Token is { } token)
        {
            return token;
        }

        if (config.AddBosToken != true)
        {
            return defaultBos;
        }

        var content = config.BosToken ?? defaultBos?.Content
            ?? throw new ModelLoadException($"{TokenizerConfig.FileName} sets add_bos_token but names no bos_token (next to {path}).");
        var id = tokens.IdOf(content)
            ?? throw new ModelLoadException($"{TokenizerConfig.FileName} names the bos_token '{content}', which is not in the vocabulary of {path}.");
        return new AddedToken(id, content, Special: true);
    }

    /// <summary>
    /// The added tokens, plus the <c>bos_token</c> and <c>eos_token</c> of tokenizer_config.json
    /// where the vocabulary has them but the added tokens do not. Hugging Face registers every
    /// special token the config names as an added token, so their text (the BOS a rendered chat
    /// template starts with) encodes to their id rather than to pieces of the text.
    /// </summary>
    private static List<AddedToken> WithConfigSpecialTokens(IReadOnlyList<AddedToken> added, TokenizerConfig config, IReadOnlyDictionary<string, int> vocabulary)
    {
        var tokens = new List<AddedToken>(added);
        foreach (var content in new[] { config.BosToken, config.EosToken })
        {
            if (content is not null && tokens.All(token => token.Content != content) && vocabulary.TryGetValue(content, out var id))
            {
                tokens.Add(new AddedToken(id, content, Special: true));
            }
        }

        return tokens;
    }

    private static int[] EosIds(TokenizerConfig config, int? defaultEos, TokenTable tokens, string path)
    {
        if (config.EosToken is null)
        {
            return defaultEos is { } id ? [id] : [];
        }

        return [tokens.IdOf(config.EosToken)
            ?? throw new ModelLoadException($"{TokenizerConfig.FileName} names the eos_token '{config.EosToken}', which is not in the vocabulary of {path}.")];
    }

    private static ChatTemplate? Template(TokenizerConfig config, string? bosToken, string? eosToken) =>
        config.ChatTemplate is { } source ? ChatTemplate.Parse(source, bosToken, eosToken) : null;
}
