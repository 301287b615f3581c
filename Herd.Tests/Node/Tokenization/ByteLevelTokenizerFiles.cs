using System.Text.Json.Nodes;

namespace Herd.Tests.Node.Tokenization;

/// <summary>
/// Writes small byte-level BPE tokenizers in the shapes Llama 3, Qwen2 and GPT-2 ship: the 256
/// byte symbols (id = byte value), a few merges, and each family's added tokens and settings.
/// </summary>
internal static class ByteLevelTokenizerFiles
{
    /// <summary>How byte-level vocabularies spell a space.</summary>
    public const string Space = "\u0120";

    public const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    public const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Merges in rank order; each result gets the next id after the bytes.</summary>
    public static readonly (string Left, string Right)[] Merges =
    [
        ("H", "e"), ("l", "l"), ("He", "ll"), ("Hell", "o"),
        (Space, "w"), ("o", "r"), (Space + "w", "or"), ("l", "d"), (Space + "wor", "ld"),
        ("3", "4"),
    ];

    public static readonly string[] Llama3Specials =
        ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"];

    public static readonly string[] Qwen2Specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];

    private static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>The number of regular (non-added) tokens: the bytes and one per merge.</summary>
    public static int RegularTokenCount => Vocabulary().Count;


    public static int Id(string token) => Vocabulary()[token];

    public static int AddedId(string[] specials, string token) => RegularTokenCount + Array.IndexOf(specials, token);

    public static void WriteLlama3(TempModelFolder folder, bool mergesAsPairs = true)
    {
        folder.WriteJson("tokenizer.json", Tokenizer(
            Sequence(Split(Llama3Pattern), ByteLevel(useRegex: false)),
            normalizer: null,
            postProcessor: BosTemplate("<|begin_of_text|>", AddedId(Llama3Specials, "<|begin_of_text|>")),
            Llama3Specials,
            mergesAsPairs));
        folder.WriteJson("tokenizer_config.json", new JsonObject
        {
            ["bos_token"] = "<|begin_of_text|>",
            ["eos_token"] = "<|eot_id|>",
            ["chat_template"] = OfficialChatTemplates.Llama3Instruct,
        });
    }

    public static void WriteQwen2(TempModelFolder folder)
    {
        folder.WriteJson("tokenizer.json", Tokenizer(
            Sequence(Split(Qwen2Pattern), ByteLevel(useRegex: false)),
            normalizer: new JsonObject { ["type"] = "NFC" },
            postProcessor: new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false },
            Qwen2Specials,
            mergesAsPairs: false));
        folder.WriteJson("tokenizer_config.json", new JsonObject
        {
            ["add_prefix_space"] = false,
            ["bos_token"] = null,
            ["eos_token"] = "<|im_end|>",
            ["chat_template"] = OfficialChatTemplates.Qwen2Instruct,
        });
    }

    /// <summary>GPT-2: a bare ByteLevel pre-tokenizer (its own pattern), no post-processor, no config.</summary>
    public static void WriteGpt2(TempModelFolder folder) =>
        folder.WriteJson("tokenizer.json", Tokenizer(ByteLevel(useRegex: true), normalizer: null, postProcessor: null, ["<|endoftext|>"], mergesAsPairs: false));

    public static JsonObject Tokenizer(JsonNode? preTokenizer, JsonNode? normalizer, JsonNode? postProcessor, string[] specials, bool mergesAsPairs)
    {
        var vocab = new JsonObject();
        foreach (var (token, id) in Vocabulary())
        {
            vocab[token] = id;
        }

        var merges = new JsonArray();
        foreach (var (left, right) in Merges)
        {
            merges.Add(mergesAsPairs ? new JsonArray(left, right) : JsonValue.Create($"{left} {right}"));
        }

        var added = new JsonArray();
        for (var i = 0; i < specials.Length; i++)
        {
            added.Add(new JsonObject
            {
                ["id"] = RegularTokenCount + i,
                ["content"] = specials[i],
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = true,
            });
        }

        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["normalizer"] = normalizer,
            ["pre_tokenizer"] = preTokenizer,
            ["post_processor"] = postProcessor,
            ["decoder"] = ByteLevel(useRegex: true),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        };
    }

    public static JsonObject Sequence(params JsonNode[] steps) =>
        new() { ["type"] = "Sequence", ["pretokenizers"] = new JsonArray(steps) };

    public static JsonObject Split(string pattern) => new()
    {
        ["type"] = "Split",
        ["pattern"] = new JsonObject { ["Regex"] = pattern },
        ["behavior"] = "Isolated",
        ["invert"] = false,
    };

    public static JsonObject ByteLevel(bool useRegex) => new()
    {
        ["type"] = "ByteLevel",
        ["add_prefix_space"] = false,
        ["trim_offsets"] = true,
        ["use_regex"] = useRegex,
    };

    public static JsonObject BosTemplate(string bos, int bosId) => new()
    {
        ["type"] = "TemplateProcessing",
        ["single"] = new JsonArray(
            new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = bos, ["type_id"] = 0 } },
            new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
        ["special_tokens"] = new JsonObject
        {
            [bos] = new JsonObject { ["id"] = bos, ["ids"] = new JsonArray(bosId), ["tokens"] = new JsonArray(bos) },
        },
    };

    private static Dictionary<string, int> Vocabulary()
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var b = 0; b < 256; b++)
        {
            vocabulary[ByteToChar[b].ToString()] = b;
        }

        foreach (var (left, right) in Merges)
        {
            vocabulary[left + right] = vocabulary.Count;
        }

        return vocabulary;
    }

    /// <summary>GPT-2's bytes_to_unicode: printable bytes stand for themselves, the rest move to U+0100 on.</summary>
    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        var shifted = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)(256 + shifted++);
        }

        return table;
    }
}
