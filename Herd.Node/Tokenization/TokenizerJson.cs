using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Herd.Node.Model;

namespace Herd.Node.Tokenization;

/// <summary>
/// The parts of a Hugging Face <c>tokenizer.json</c> Herd reads: the model, the added tokens, the
/// normalizer, the pre-tokenizer and whether the post-processor puts a token first.
/// </summary>
internal sealed class TokenizerJson
{
    public const string FileName = "tokenizer.json";

    /// <summary>What a <c>Sequence</c> calls its steps, by component.</summary>
    private static readonly string[] SequenceLists = ["pretokenizers", "decoders", "normalizers", "processors"];

    private readonly string _path;
    private readonly JsonElement _root;
    private readonly JsonElement _model;

    private TokenizerJson(string path, JsonElement root)
    {
        _path = path;
        _root = root;
        _model = Property(root, "model") ?? throw new ModelLoadException($"{path} has no \"model\" object.");
        ModelType = Property(_model, "type")?.GetString()
            ?? (Property(_model, "merges") is not null ? "BPE" : "unknown");
        AddedTokens = ReadAddedTokens();
    }

    /// <summary>The tokenizer model's type: <c>BPE</c>, <c>Unigram</c>, <c>WordPiece</c>, <c>WordLevel</c>.</summary>
    public string ModelType { get; }

    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>
    /// A BPE model over GPT-2's byte alphabet (a <c>ByteLevel</c> pre-tokenizer or decoder), as
    /// Llama 3, Qwen2 and SmolLM have. Llama 2 and Mistral write a SentencePiece-style BPE instead.
    /// </summary>
    public bool IsByteLevelBpe =>
        ModelType == "BPE" && (HasType(Property(_root, "pre_tokenizer"), "ByteLevel") || HasType(Property(_root, "decoder"), "ByteLevel"));

    public static TokenizerJson? TryRead(string modelFolder)
    {
        var path = Path.Combine(modelFolder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return new TokenizerJson(path, document.RootElement.Clone());
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{path} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>The vocabulary of a BPE model, token text to id.</summary>
    public IReadOnlyDictionary<string, int> ReadVocabulary()
    {
        var vocab = Property(_model, "vocab");
        if (vocab is not { ValueKind: JsonValueKind.Object })
        {
            throw new ModelLoadException($"{_path}: the BPE model has no \"vocab\" object.");
        }

        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocab.Value.EnumerateObject())
        {
            result[entry.Name] = entry.Value.GetInt32();
        }

        return result;
    }

    /// <summary>The merges as Microsoft.ML.Tokenizers takes them: <c>"left right"</c>.</summary>
    public IReadOnlyList<string> ReadMerges()
    {
        var merges = Property(_model, "merges");
        if (merges is not { ValueKind: JsonValueKind.Array })
        {
            return [];
        }

        var result = new List<string>(merges.Value.GetArrayLength());
        foreach (var merge in merges.Value.EnumerateArray())
        {
            result.Add(merge.ValueKind switch
            {
                JsonValueKind.String => merge.GetString()!,
                JsonValueKind.Array when merge.GetArrayLength() == 2 => JoinPair(merge[0].GetString(), merge[1].GetString()),
                _ => throw new ModelLoadException($"{_path}: a merge is neither \"a b\" nor [\"a\", \"b\"]: {merge.GetRawText()}."),
            });
        }

        return result;
    }

    /// <summary>Settings of the BPE model that Herd does not implement; the first one set, if any.</summary>
    public string? UnsupportedBpeSetting()
    {
        foreach (var name in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            if (Property(_model, name) is { ValueKind: JsonValueKind.String } value && value.GetString()!.Length > 0)
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>The Unicode normalization the normalizer applies, or null for none.</summary>
    public NormalizationForm? ReadNormalization()
    {
        var normalizer = Property(_root, "normalizer");
        if (normalizer is null or { ValueKind: JsonValueKind.Null })
        {
            return null;
        }

        NormalizationForm? form = null;
        foreach (var step in Flatten(normalizer.Value, "normalizers"))
        {
            var type = TypeOf(step);
            form = type switch
            {
                "NFC" => NormalizationForm.FormC,
                "NFD" => NormalizationForm.FormD,
                "NFKC" => NormalizationForm.FormKC,
                "NFKD" => NormalizationForm.FormKD,
                _ => throw new ModelLoadException($"{_path}: the normalizer '{type}' is not supported; Herd reads NFC, NFD, NFKC and NFKD."),
            };
        }

        return form;
    }

    /// <summary>The patterns the pre-tokenizer splits byte-level text with, in order.</summary>
    public IReadOnlyList<Regex> ReadSplitPatterns()
    {
        var preTokenizer = Property(_root, "pre_tokenizer");
        if (preTokenizer is null or { ValueKind: JsonValueKind.Null })
        {
            return [];
        }

        var patterns = new List<Regex>();
        foreach (var step in Flatten(preTokenizer.Value, "pretokenizers"))
        {
            var pattern = ReadSplitPattern(step);
            if (pattern is not null)
            {
                patterns.Add(CreatePattern(pattern));
            }
        }

        return patterns;
    }

    /// <summary>
    /// What the post-processor does with a single sequence: puts this special token first (as
    /// Llama 3's <c>TemplateProcessing</c> does), puts none (Qwen2's <c>ByteLevel</c>), or null
    /// when the file has no post-processor at all.
    /// </summary>
    public PostProcessorStart? ReadPostProcessorStart()
    {
        var processor = Property(_root, "post_processor");
        if (processor is null or { ValueKind: JsonValueKind.Null })
        {
            return null;
        }

        foreach (var step in Flatten(processor.Value, "processors"))
        {
            if (TypeOf(step) != "TemplateProcessing" || Property(step, "single") is not { ValueKind: JsonValueKind.Array } single)
            {
                continue;
            }

            var first = single.EnumerateArray().FirstOrDefault();
            if (first.ValueKind != JsonValueKind.Object || Property(first, "SpecialToken") is not { } special)
            {
                return new PostProcessorStart(null);
            }

            var content = Property(special, "id")?.GetString()
                ?? throw new ModelLoadException($"{_path}: the post-processor's special token has no id.");
            return new PostProcessorStart(new AddedToken(SpecialTokenId(step, content), content, Special: true));
        }

        return new PostProcessorStart(null);
    }

    /// <summary>
    /// How a SentencePiece-style tokenizer.json puts the word-boundary mark before text: before
    /// every stretch between added tokens (a <c>Prepend</c> normalizer or <c>Metaspace</c> with
    /// <c>always</c>), only at the very start (<c>first</c>), or never.
    /// </summary>
    public SentencePiecePrefix? ReadSentencePiecePrefix()
    {
        if (Property(_root, "normalizer") is { ValueKind: JsonValueKind.Object } normalizer
            && Flatten(normalizer, "normalizers").Any(step => TypeOf(step) == "Prepend"))
        {
            return SentencePiecePrefix.EverySegment;
        }

        if (Property(_root, "pre_tokenizer") is not { ValueKind: JsonValueKind.Object } preTokenizer)
        {
            return null;
        }

        foreach (var step in Flatten(preTokenizer, "pretokenizers").Where(step => TypeOf(step) == "Metaspace"))
        {
            var scheme = Property(step, "prepend_scheme")?.GetString();
            return scheme switch
            {
                "first" => SentencePiecePrefix.TextStart,
                "never" => SentencePiecePrefix.Never,
                "always" => SentencePiecePrefix.EverySegment,
                _ => Property(step, "add_prefix_space") is { ValueKind: JsonValueKind.False }
                    ? SentencePiecePrefix.Never
                    : SentencePiecePrefix.EverySegment,
            };
        }

        return null;
    }

    private string? ReadSplitPattern(JsonElement step)
    {
        var type = TypeOf(step);
        switch (type)
        {
            case "Split":
                var behavior = Property(step, "behavior")?.GetString();
                if (behavior != "Isolated" || Property(step, "invert") is { ValueKind: JsonValueKind.True })
                {
                    throw new ModelLoadException(
                        $"{_path}: a Split pre-tokenizer with behavior '{behavior}' (invert {Property(step, "invert")?.GetRawText() ?? "false"}) is not supported; Herd reads Isolated splits.");
                }

                var pattern = Property(step, "pattern");
                if (pattern is not null && Property(pattern.Value, "Regex")?.GetString() is { } regex)
                {
                    return regex;
                }

                if (pattern is not null && Property(pattern.Value, "String")?.GetString() is { } literal)
                {
                    return Regex.Escape(literal);
                }

                throw new ModelLoadException($"{_path}: a Split pre-tokenizer has no Regex or String pattern.");
            case "ByteLevel":
                if (Property(step, "add_prefix_space") is { ValueKind: JsonValueKind.True })
                {
                    throw new ModelLoadException($"{_path}: a ByteLevel pre-tokenizer with add_prefix_space is not supported.");
                }

                return Property(step, "use_regex") is { ValueKind: JsonValueKind.False } ? null : SplitPreTokenizer.Gpt2Pattern;
            case "Digits":
                return Property(step, "individual_digits") is { ValueKind: JsonValueKind.True } ? @"\p{N}" : @"\p{N}+";
            default:
                throw new ModelLoadException($"{_path}: the pre-tokenizer '{type}' is not supported with a byte-level BPE model; Herd reads Split, ByteLevel and Digits.");
        }
    }

    private Regex CreatePattern(string pattern)
    {
        try
        {
            return SplitPreTokenizer.CreatePattern(pattern);
        }
        catch (ArgumentException e)
        {
            throw new ModelLoadException($"{_path}: the pre-tokenizer pattern {pattern} is not a .NET regular expression: {e.Message}", e);
        }
    }

    private int SpecialTokenId(JsonElement templateProcessing, string content)
    {
        if (Property(templateProcessing, "special_tokens") is { ValueKind: JsonValueKind.Object } specials
            && Property(specials, content) is { } special
            && Property(special, "ids") is { ValueKind: JsonValueKind.Array } ids
            && ids.GetArrayLength() > 0)
        {
            return ids[0].GetInt32();
        }

        return AddedTokens.FirstOrDefault(token => token.Content == content)?.Id
            ?? throw new ModelLoadException($"{_path}: the post-processor puts '{content}' first, but it is not an added token.");
    }

    private List<AddedToken> ReadAddedTokens()
    {
        if (Property(_root, "added_tokens") is not { ValueKind: JsonValueKind.Array } tokens)
        {
            return [];
        }

        return tokens.EnumerateArray()
            .Select(token => new AddedToken(
                Property(token, "id")?.GetInt32() ?? throw new ModelLoadException($"{_path}: an added token has no id."),
                Property(token, "content")?.GetString() ?? throw new ModelLoadException($"{_path}: an added token has no content."),
                Property(token, "special") is { ValueKind: JsonValueKind.True }))
            .ToList();
    }

    private string JoinPair(string? left, string? right)
    {
        if (left is null || right is null || left.Contains(' ', StringComparison.Ordinal) || right.Contains(' ', StringComparison.Ordinal))
        {
            throw new ModelLoadException($"{_path}: the merge [\"{left}\", \"{right}\"] has a part that is missing or holds a space.");
        }

        return $"{left} {right}";
    }

    /// <summary>The steps of a <c>Sequence</c> (recursively), or the element itself.</summary>
    private static List<JsonElement> Flatten(JsonElement element, string listName)
    {
        if (TypeOf(element) == "Sequence" && Property(element, listName) is { ValueKind: JsonValueKind.Array } steps)
        {
            return steps.EnumerateArray().SelectMany(step => Flatten(step, listName)).ToList();
        }

        return [element];
    }

    private static bool HasType(JsonElement? element, string type) =>
        element is { ValueKind: JsonValueKind.Object } value
        && (TypeOf(value) == type
            || SequenceLists.Any(list => Flatten(value, list).Any(step => TypeOf(step) == type)));

    private static string? TypeOf(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object ? Property(element, "type")?.GetString() : null;

    private static JsonElement? Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : null;
}
