using System.Text.Encodings.Web;
using System.Text.Json;

namespace Herd.Node.Tokenization;

/// <summary>
/// The tokenizer of Herd's built-in demo model "herd-tiny": a byte-level BPE in Llama 3's shape
/// (the 256 byte symbols, merges learned from a short English text, Llama 3's split pattern and
/// special tokens, BOS added, Llama 3's chat template), small enough to generate on the spot.
/// The files are the same, byte for byte, every time.
/// </summary>
public static class HerdTinyTokenizer
{
    public const int ByteTokenCount = 256;

    /// <summary>Symbols learned by merging, after the byte symbols.</summary>
    public const int LearnedTokenCount = 251;

    public const string BeginOfText = "<|begin_of_text|>";
    public const string EndOfText = "<|end_of_text|>";
    public const string StartHeader = "<|start_header_id|>";
    public const string EndHeader = "<|end_header_id|>";
    public const string EndOfTurn = "<|eot_id|>";

    /// <summary>The BOS token.</summary>
    public const int BeginOfTextId = ByteTokenCount + LearnedTokenCount;

    /// <summary>The end of a plain text.</summary>
    public const int EndOfTextId = BeginOfTextId + 1;

    public const int StartHeaderId = BeginOfTextId + 2;
    public const int EndHeaderId = BeginOfTextId + 3;

    /// <summary>The end of a chat turn; tokenizer_config.json's <c>eos_token</c>.</summary>
    public const int EndOfTurnId = BeginOfTextId + 4;

    /// <summary>All token ids, special tokens included: the model's embedding size.</summary>
    public const int VocabSize = BeginOfTextId + 5;

    /// <summary>Llama 3's chat template, as Meta-Llama-3-8B-Instruct ships it.</summary>
    public const string ChatTemplateSource =
        """{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}""";

    private static readonly string[] SpecialTokens = [BeginOfText, EndOfText, StartHeader, EndHeader, EndOfTurn];

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        NewLine = "\n",

        // Keeps the byte symbols (Ġ, Ċ) and the template readable; the files are data, not HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes tokenizer.json and tokenizer_config.json into <paramref name="modelFolder"/>, creating it if needed.</summary>
    public static void Write(string modelFolder)
    {
        ArgumentNullException.ThrowIfNull(modelFolder);
        Directory.CreateDirectory(modelFolder);

        var pretokenizer = new SplitPreTokenizer([SplitPreTokenizer.CreatePattern(SplitPreTokenizer.Llama3Pattern)]);
        var words = pretokenizer.SplitToStrings(HerdTinyCorpus.Text.ReplaceLineEndings("\n"));
        var (vocabulary, merges) = BpeTrainer.Train(words, ByteTokenCount + LearnedTokenCount);

        WriteJson(Path.Combine(modelFolder, TokenizerJson.FileName), writer => WriteTokenizer(writer, vocabulary, merges));
        WriteJson(Path.Combine(modelFolder, TokenizerConfig.FileName), WriteConfig);
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> write)
    {
        using var file = File.Create(path);
        using (var writer = new Utf8JsonWriter(file, WriterOptions))
        {
            write(writer);
        }

        file.WriteByte((byte)'\n');
    }

    private static void WriteTokenizer(Utf8JsonWriter writer, IReadOnlyList<string> vocabulary, IReadOnlyList<(string Left, string Right)> merges)
    {
        writer.WriteStartObject();
        writer.WriteString("version", "1.0");
        writer.WriteNull("truncation");
        writer.WriteNull("padding");
        writer.WriteStartArray("added_tokens");
        for (var i = 0; i < SpecialTokens.Length; i++)
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", BeginOfTextId + i);
            writer.WriteString("content", SpecialTokens[i]);
            writer.WriteBoolean("single_word", false);
            writer.WriteBoolean("lstrip", false);
            writer.WriteBoolean("rstrip", false);
            writer.WriteBoolean("normalized", false);
            writer.WriteBoolean("special", true);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteNull("normalizer");

        writer.WriteStartObject("pre_tokenizer");
        writer.WriteString("type", "Sequence");
        writer.WriteStartArray("pretokenizers");
        writer.WriteStartObject();
        writer.WriteString("type", "Split");
        writer.WriteStartObject("pattern");
        writer.WriteString("Regex", SplitPreTokenizer.Llama3Pattern);
        writer.WriteEndObject();
        writer.WriteString("behavior", "Isolated");
        writer.WriteBoolean("invert", false);
        writer.WriteEndObject();
        WriteByteLevel(writer, null, useRegex: false);
        writer.WriteEndArray();
        writer.WriteEndObject();

        WritePostProcessor(writer);
        WriteByteLevel(writer, "decoder", useRegex: true);

        writer.WriteStartObject("model");
        writer.WriteString("type", "BPE");
        writer.WriteNull("dropout");
        writer.WriteNull("unk_token");
        writer.WriteNull("continuing_subword_prefix");
        writer.WriteNull("end_of_word_suffix");
        writer.WriteBoolean("fuse_unk", false);
        writer.WriteBoolean("byte_fallback", false);
        writer.WriteBoolean("ignore_merges", false);
        writer.WriteStartObject("vocab");
        for (var id = 0; id < vocabulary.Count; id++)
        {
            writer.WriteNumber(vocabulary[id], id);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("merges");
        foreach (var (left, right) in merges)
        {
            writer.WriteStartArray();
            writer.WriteStringValue(left);
            writer.WriteStringValue(right);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteByteLevel(Utf8JsonWriter writer, string? name, bool useRegex)
    {
        if (name is null)
        {
            writer.WriteStartObject();
        }
        else
        {
            writer.WriteStartObject(name);
        }

        writer.WriteString("type", "ByteLevel");
        writer.WriteBoolean("add_prefix_space", false);
        writer.WriteBoolean("trim_offsets", true);
        writer.WriteBoolean("use_regex", useRegex);
        writer.WriteEndObject();
    }

    /// <summary>Llama 3's post-processor: BOS before a text, and before each of a pair.</summary>
    private static void WritePostProcessor(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("post_processor");
        writer.WriteString("type", "TemplateProcessing");
        writer.WriteStartArray("single");
        WriteTemplatePiece(writer, "SpecialToken", BeginOfText, 0);
        WriteTemplatePiece(writer, "Sequence", "A", 0);
        writer.WriteEndArray();
        writer.WriteStartArray("pair");
        WriteTemplatePiece(writer, "SpecialToken", BeginOfText, 0);
        WriteTemplatePiece(writer, "Sequence", "A", 0);
        WriteTemplatePiece(writer, "SpecialToken", BeginOfText, 1);
        WriteTemplatePiece(writer, "Sequence", "B", 1);
        writer.WriteEndArray();
        writer.WriteStartObject("special_tokens");
        writer.WriteStartObject(BeginOfText);
        writer.WriteString("id", BeginOfText);
        writer.WriteStartArray("ids");
        writer.WriteNumberValue(BeginOfTextId);
        writer.WriteEndArray();
        writer.WriteStartArray("tokens");
        writer.WriteStringValue(BeginOfText);
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteTemplatePiece(Utf8JsonWriter writer, string kind, string id, int typeId)
    {
        writer.WriteStartObject();
        writer.WriteStartObject(kind);
        writer.WriteString("id", id);
        writer.WriteNumber("type_id", typeId);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteConfig(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteBoolean("add_bos_token", true);
        writer.WriteBoolean("add_eos_token", false);
        writer.WriteString("bos_token", BeginOfText);
        writer.WriteString("eos_token", EndOfTurn);
        writer.WriteString("chat_template", ChatTemplateSource);
        writer.WriteBoolean("clean_up_tokenization_spaces", false);
        writer.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
        writer.WriteEndObject();
    }
}
