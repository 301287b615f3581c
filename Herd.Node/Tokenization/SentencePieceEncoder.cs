using Herd.Node.Model;
using Microsoft.ML.Tokenizers;

namespace Herd.Node.Tokenization;

/// <summary>A SentencePiece model from tokenizer.model (Llama 2, Mistral, TinyLlama).</summary>
/// <remarks>
/// Microsoft.ML.Tokenizers puts the <c>▁</c> mark only before the start of the input (and after
/// special tokens there), while Hugging Face decides per stretch between added tokens. Herd
/// matches the added tokens itself and keeps two instances of the model, one that marks a
/// stretch and one that does not, built from the same file with <c>add_dummy_prefix</c> set.
/// </remarks>
internal sealed class SentencePieceEncoder : ISegmentEncoder
{
    public const string FileName = "tokenizer.model";

    private readonly SentencePieceTokenizer? _marking;
    private readonly SentencePieceTokenizer? _plain;
    private readonly SentencePiecePrefix _prefix;

    private SentencePieceEncoder(SentencePieceTokenizer model, SentencePieceTokenizer? marking, SentencePieceTokenizer? plain, SentencePiecePrefix prefix)
    {
        Model = model;
        _marking = marking;
        _plain = plain;
        _prefix = prefix;
    }

    /// <summary>The model as the file describes it: vocabulary, byte fallback, control tokens.</summary>
    public SentencePieceTokenizer Model { get; }

    public SentencePiecePrefix Prefix => _prefix;

    /// <param name="path">The tokenizer.model file.</param>
    /// <param name="prefix">Where to mark; null to follow the file (its add_dummy_prefix) and <paramref name="legacy"/>.</param>
    /// <param name="legacy">tokenizer_config.json's <c>legacy</c>: false marks only the start of the input.</param>
    public static SentencePieceEncoder Create(string path, SentencePiecePrefix? prefix, bool? legacy)
    {
        var bytes = File.ReadAllBytes(path);
        var model = CreateModel(bytes, path, addDummyPrefix: null);
        var chosen = prefix ?? (!model.AddDummyPrefix ? SentencePiecePrefix.Never
            : legacy == false ? SentencePiecePrefix.TextStart
            : SentencePiecePrefix.EverySegment);

        var marking = chosen == SentencePiecePrefix.Never ? null
            : model.AddDummyPrefix ? model : CreateModel(bytes, path, addDummyPrefix: true);
        var plain = chosen == SentencePiecePrefix.EverySegment ? null
            : !model.AddDummyPrefix ? model : CreateModel(bytes, path, addDummyPrefix: false);
        return new SentencePieceEncoder(model, marking, plain, chosen);
    }

    public void Encode(string segment, bool atTextStart, List<int> ids)
    {
        var mark = _prefix == SentencePiecePrefix.EverySegment || (_prefix == SentencePiecePrefix.TextStart && atTextStart);
        var model = mark ? _marking : _plain;
        ids.AddRange(model!.EncodeToIds(segment));
    }

    private static SentencePieceTokenizer CreateModel(byte[] bytes, string path, bool? addDummyPrefix)
    {
        // A protobuf parser merges a message field that occurs twice, so appending a
        // normalizer_spec (field 3) holding only add_dummy_prefix (field 3) overrides that flag.
        byte[] file = addDummyPrefix is { } value ? [.. bytes, 0x1A, 0x02, 0x18, value ? (byte)1 : (byte)0] : bytes;
        try
        {
            using var stream = new MemoryStream(file, writable: false);
            return SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Google.Protobuf.InvalidProtocolBufferException)
        {
            throw new ModelLoadException($"{path} is not a SentencePiece model Herd can read: {e.Message}", e);
        }
    }
}
