using System.Text.Json.Nodes;
using Herd.Node.Tokenization;
using static Herd.Tests.Node.Tokenization.SentencePieceModelFile;

namespace Herd.Tests.Node.Tokenization;

public sealed class SentencePieceTokenizerTests : IDisposable
{
    private readonly TempModelFolder _folder = new();

    public SentencePieceTokenizerTests() => Write(_folder.FilePath("tokenizer.model"));

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("Hello world")]
    [InlineData(" Hello  world ")]
    [InlineData("Crème brûlée à la façon de Noël")]
    [InlineData("日本語のテキストと中文")]
    [InlineData("Emoji 🙂👍🏽 and a family 👨‍👩‍👧")]
    public void Decode_EncodedText_RoundTrips(string text)
    {
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var decoded = tokenizer.Decode(tokenizer.Encode(text));

        Assert.Equal(text, decoded);
    }

    [Fact]
    public void Encode_Text_AddsBosAndMarksWords()
    {
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var ids = tokenizer.Encode("Hello world");

        Assert.Equal([BosId, Id(Mark + "Hello"), Id(Mark + "world")], ids);
        Assert.Equal(BosId, tokenizer.BosTokenId);
        Assert.Equal([EosId], tokenizer.EosTokenIds);
        Assert.Equal(PieceCount, tokenizer.VocabSize);
    }

    [Fact]
    public void Encode_CharacterOutsideTheVocabulary_FallsBackToBytes()
    {
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var ids = tokenizer.Encode("Hello é");

        Assert.Equal([BosId, Id(Mark + "Hello"), Id(Mark), ByteId(0xC3), ByteId(0xA9)], ids);
        Assert.Equal("<0xC3>", tokenizer.TokenText(ByteId(0xC3)));
    }

    [Fact]
    public void Encode_TextStartingWithBosText_AddsNoSecondBos()
    {
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var ids = tokenizer.Encode("<s>Hello");

        Assert.Equal([BosId, Id(Mark + "Hello")], ids);
    }

    [Fact]
    public void Encode_EosTextInside_MapsToTheEosId()
    {
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var ids = tokenizer.Encode("Hello</s>");

        Assert.Equal([BosId, Id(Mark + "Hello"), EosId], ids);
        Assert.Equal("Hello", tokenizer.Decode(ids));
    }

    [Fact]
    public void Encode_LegacyTokenizer_MarksTextAfterEverySpecialToken()
    {
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var ids = tokenizer.Encode("<s>[INST] Hi [/INST] Hello </s><s>[INST] Hi [/INST]");

        // Hugging Face encodes the text between added tokens one stretch at a time, each with
        // the mark, so the second [INST] starts with ▁[ just as the first does.
        int[] turn = [Id(Mark + "["), Id("INST"), Id("]"), Id(Mark + "Hi"), Id(Mark + "["), Id("/"), Id("INST"), Id("]")];
        Assert.Equal([BosId, .. turn, Id(Mark + "Hello"), Id(Mark), EosId, BosId, .. turn], ids);
    }

    [Fact]
    public void Encode_NonLegacyTokenizer_MarksOnlyTheStartOfTheText()
    {
        _folder.WriteJson("tokenizer_config.json", new JsonObject { ["legacy"] = false });
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var ids = tokenizer.Encode("<s>[INST] Hi [/INST]");

        Assert.Equal([BosId, Id("["), Id("INST"), Id("]"), Id(Mark + "Hi"), Id(Mark + "["), Id("/"), Id("INST"), Id("]")], ids);
        Assert.Equal([BosId, Id(Mark + "Hello")], tokenizer.Encode("Hello"));
    }

    [Fact]
    public void Encode_RenderedLlama2Chat_HasOneBosPerUserTurn()
    {
        _folder.WriteJson("tokenizer_config.json", new JsonObject
        {
            ["add_bos_token"] = true,
            ["bos_token"] = new JsonObject { ["content"] = "<s>", ["lstrip"] = false },
            ["eos_token"] = new JsonObject { ["content"] = "</s>", ["lstrip"] = false },
            ["chat_template"] = OfficialChatTemplates.Llama2Chat,
        });
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var prompt = tokenizer.ChatTemplate!.Render([new ChatTurn("user", "Hi"), new ChatTurn("assistant", "Hello"), new ChatTurn("user", "Hi")]);
        var ids = tokenizer.Encode(prompt);

        Assert.Equal("<s>[INST] Hi [/INST] Hello </s><s>[INST] Hi [/INST]", prompt);
        Assert.Equal(2, ids.Count(id => id == BosId));
        Assert.Equal(BosId, ids[0]);
        Assert.NotEqual(BosId, ids[1]);
    }

    [Fact]
    public void Decode_LeadingMark_IsDropped()
    {
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var text = tokenizer.Decode([Id(Mark + "Hello"), Id(Mark + "world")]);

        Assert.Equal("Hello world", text);
    }

    [Fact]
    public void Decode_ByteTokensBeforeTheFirstWord_KeepTheSpaceBeforeIt()
    {
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var text = tokenizer.Decode([BosId, ByteId(0xC3), ByteId(0xA9), Id(Mark + "world")]);

        Assert.Equal("é world", text);
    }
}
