using Herd.Node.Engine;
using Herd.Node.Tokenization;

namespace Herd.Tests.Node.Tokenization;

public sealed class StreamingDetokenizerTests : IDisposable
{
    private const string MixedText = "Hello world! Crème brûlée, 日本語, emoji 🙂👍🏽 and 👨‍👩‍👧 </s> end.";

    private readonly TempModelFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Add_ByteLevelTokens_NeverEmitsHalfACharacterAndMatchesDecode()
    {
        ByteLevelTokenizerFiles.WriteLlama3(_folder);
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        AssertStreamsLikeDecode(tokenizer, tokenizer.Encode(MixedText + "<|eot_id|>"));
    }

    [Fact]
    public void Add_SentencePieceTokens_NeverEmitsHalfACharacterAndMatchesDecode()
    {
        SentencePieceModelFile.Write(_folder.FilePath("tokenizer.model"));
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        AssertStreamsLikeDecode(tokenizer, tokenizer.Encode(MixedText));
    }

    [Fact]
    public void Add_ByteOfAnUnfinishedCharacter_ReturnsNothingUntilTheCharacterIsComplete()
    {
        ByteLevelTokenizerFiles.WriteLlama3(_folder);
        var tokenizer = ModelTokenizer.Load(_folder.Path);
        var ids = tokenizer.Encode("語").Skip(1).ToList();
        var detokenizer = tokenizer.CreateDetokenizer();

        var pieces = ids.Select(detokenizer.Add).ToList();

        Assert.Equal(3, ids.Count);
        Assert.Equal(["", "", "語"], pieces);
    }

    [Fact]
    public void Add_SentencePieceByteFallback_WaitsForTheWholeCharacter()
    {
        SentencePieceModelFile.Write(_folder.FilePath("tokenizer.model"));
        var tokenizer = ModelTokenizer.Load(_folder.Path);
        var detokenizer = tokenizer.CreateDetokenizer();

        var pieces = new[] { SentencePieceModelFile.Id("\u2581Hello"), SentencePieceModelFile.ByteId(0xE2), SentencePieceModelFile.ByteId(0x82), SentencePieceModelFile.ByteId(0xAC) }
            .Select(detokenizer.Add)
            .ToList();

        Assert.Equal(["Hello", "", "", "€"], pieces);
    }

    [Fact]
    public void Flush_UnfinishedCharacterAtTheEnd_GivesWhatDecodeGives()
    {
        ByteLevelTokenizerFiles.WriteLlama3(_folder);
        var tokenizer = ModelTokenizer.Load(_folder.Path);
        var ids = tokenizer.Encode("ok 語").SkipLast(1).ToList();
        var detokenizer = tokenizer.CreateDetokenizer();

        var streamed = string.Concat(ids.Select(detokenizer.Add)) + detokenizer.Flush();

        Assert.Equal(tokenizer.Decode(ids), streamed);
        Assert.EndsWith("\uFFFD", streamed, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateDetokenizer_AfterSentencePiecePrompt_KeepsTheSpaceBeforeTheFirstWord()
    {
        SentencePieceModelFile.Write(_folder.FilePath("tokenizer.model"));
        var tokenizer = ModelTokenizer.Load(_folder.Path);
        var prompt = tokenizer.Encode("Hello");
        var reply = new[] { SentencePieceModelFile.Id("\u2581world") };

        var continuing = tokenizer.CreateDetokenizer(prompt);
        var alone = tokenizer.CreateDetokenizer();

        Assert.Equal(" world", continuing.Add(reply[0]));
        Assert.Equal("world", alone.Add(reply[0]));
        Assert.Equal(tokenizer.Decode([.. prompt, .. reply]), tokenizer.Decode(prompt) + " world");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Add_RandomByteLevelTokens_ConcatenateToDecodeEvenForInvalidUtf8(int seed)
    {
        ByteLevelTokenizerFiles.WriteLlama3(_folder);
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        // Any id, special tokens included: lone continuation bytes, truncated and overlong
        // sequences must turn into the same replacement characters streamed as decoded at once.
        var random = new Random(seed);
        var ids = Enumerable.Range(0, 400).Select(_ => random.Next(tokenizer.VocabSize)).ToList();

        _ = AssertConcatenatesToDecode(tokenizer, ids);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Add_RandomSentencePieceTokens_ConcatenateToDecodeEvenForInvalidUtf8(int seed)
    {
        SentencePieceModelFile.Write(_folder.FilePath("tokenizer.model"));
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var random = new Random(seed);
        var ids = Enumerable.Range(0, 400).Select(_ => random.Next(tokenizer.VocabSize)).ToList();

        _ = AssertConcatenatesToDecode(tokenizer, ids);
    }

    [Fact]
    public void CreateDetokenizer_IsTheEnginesTextDecoder()
    {
        ByteLevelTokenizerFiles.WriteLlama3(_folder);
        var tokenizer = ModelTokenizer.Load(_folder.Path);
        var ids = tokenizer.Encode("ok 語").Skip(1).ToList();

        var decoder = Assert.IsAssignableFrom<ITextDecoder>(tokenizer.CreateDetokenizer());
        var streamed = string.Concat(ids.Select(decoder.Add)) + decoder.Flush();

        Assert.Equal("ok 語", streamed);
    }

    /// <summary>Streams the ids and checks that the pieces add up to Decode without splitting a surrogate pair.</summary>
    private static List<string> AssertConcatenatesToDecode(ModelTokenizer tokenizer, IReadOnlyList<int> ids)
    {
        var detokenizer = tokenizer.CreateDetokenizer();

        // Flush only once every id is in: Select is lazy, so it cannot share one query with Add.
        var pieces = ids.Select(detokenizer.Add).ToList();
        pieces.Add(detokenizer.Flush());

        Assert.All(pieces, piece =>
        {
            Assert.False(piece.Length > 0 && char.IsHighSurrogate(piece[^1]), $"'{piece}' ends inside a surrogate pair.");
            Assert.False(piece.Length > 0 && char.IsLowSurrogate(piece[0]), $"'{piece}' starts inside a surrogate pair.");
        });
        Assert.Equal(tokenizer.Decode(ids), string.Concat(pieces));
        return pieces;
    }

    /// <summary>For valid text: besides adding up to Decode, no piece holds a replacement character.</summary>
    private static void AssertStreamsLikeDecode(ModelTokenizer tokenizer, IReadOnlyList<int> ids)
    {
        var pieces = AssertConcatenatesToDecode(tokenizer, ids);

        Assert.All(pieces, piece => Assert.DoesNotContain('\uFFFD', piece));
        Assert.Contains(pieces, piece => piece.Length == 0);
    }
}
