using System.Text.Json;
using Herd.Node.Tokenization;

namespace Herd.Tests.Node.Tokenization;

public sealed class HerdTinyTokenizerTests : IDisposable
{
    private readonly TempModelFolder _folder = new();

    public HerdTinyTokenizerTests() => HerdTinyTokenizer.Write(_folder.Path);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Write_Twice_GivesByteIdenticalFiles()
    {
        using var other = new TempModelFolder();
        var first = ReadFiles(_folder);

        HerdTinyTokenizer.Write(other.Path);
        HerdTinyTokenizer.Write(_folder.Path);

        Assert.Equal(first, ReadFiles(other));
        Assert.Equal(first, ReadFiles(_folder));
    }

    [Theory]
    [InlineData("A herd is a group of animals that live, feed and travel together.")]
    [InlineData("Hello! How are you today?\nI am fine.")]
    [InlineData("Crème brûlée à la façon de Noël, São Paulo, Ærø")]
    [InlineData("Emoji 🙂👍🏽 and a family 👨‍👩‍👧")]
    public void Load_WrittenFiles_RoundTripText(string text)
    {
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var ids = tokenizer.Encode(text);

        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void Encode_LearnedMerges_ShortenTheCorpusWords()
    {
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var ids = tokenizer.Encode("the herd");

        Assert.True(ids.Count < 1 + "the herd".Length, $"{ids.Count} ids for 8 bytes: no merge applied.");
    }

    [Theory]
    [InlineData("Hello")]
    [InlineData(HerdTinyTokenizer.BeginOfText + "Hello")]
    public void Encode_Text_StartsWithExactlyOneBos(string text)
    {
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var ids = tokenizer.Encode(text);

        Assert.Equal(HerdTinyTokenizer.BeginOfTextId, ids[0]);
        Assert.Single(ids, id => id == HerdTinyTokenizer.BeginOfTextId);
        Assert.Equal("Hello", tokenizer.Decode(ids));
    }

    [Fact]
    public void Write_SpecialTokenIds_MatchTheConstants()
    {
        var expected = new Dictionary<string, int>
        {
            [HerdTinyTokenizer.BeginOfText] = HerdTinyTokenizer.BeginOfTextId,
            [HerdTinyTokenizer.EndOfText] = HerdTinyTokenizer.EndOfTextId,
            [HerdTinyTokenizer.StartHeader] = HerdTinyTokenizer.StartHeaderId,
            [HerdTinyTokenizer.EndHeader] = HerdTinyTokenizer.EndHeaderId,
            [HerdTinyTokenizer.EndOfTurn] = HerdTinyTokenizer.EndOfTurnId,
        };
        using var json = JsonDocument.Parse(File.ReadAllBytes(_folder.FilePath("tokenizer.json")));
        using var config = JsonDocument.Parse(File.ReadAllBytes(_folder.FilePath("tokenizer_config.json")));
        var root = json.RootElement;

        var added = root.GetProperty("added_tokens").EnumerateArray()
            .ToDictionary(token => token.GetProperty("content").GetString() ?? "", token => token.GetProperty("id").GetInt32());
        var bosInPostProcessor = root.GetProperty("post_processor").GetProperty("special_tokens")
            .GetProperty(HerdTinyTokenizer.BeginOfText).GetProperty("ids")[0].GetInt32();
        var vocabulary = root.GetProperty("model").GetProperty("vocab").EnumerateObject().Select(entry => entry.Value.GetInt32()).ToList();

        Assert.Equal(expected, added);
        Assert.Equal(HerdTinyTokenizer.BeginOfTextId, bosInPostProcessor);
        Assert.Equal(HerdTinyTokenizer.BeginOfText, config.RootElement.GetProperty("bos_token").GetString());
        Assert.Equal(HerdTinyTokenizer.EndOfTurn, config.RootElement.GetProperty("eos_token").GetString());
        Assert.Equal(Enumerable.Range(0, HerdTinyTokenizer.BeginOfTextId), vocabulary.Order());
    }

    [Fact]
    public void Load_WrittenFiles_ReportTheConstants()
    {
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        Assert.Equal(HerdTinyTokenizer.VocabSize, tokenizer.VocabSize);
        Assert.Equal(HerdTinyTokenizer.BeginOfTextId, tokenizer.BosTokenId);
        Assert.Equal(HerdTinyTokenizer.BeginOfText, tokenizer.BosToken);
        Assert.Equal([HerdTinyTokenizer.EndOfTurnId], tokenizer.EosTokenIds);
        Assert.Equal(HerdTinyTokenizer.EndHeader, tokenizer.TokenText(HerdTinyTokenizer.EndHeaderId));
        Assert.True(tokenizer.IsSpecial(HerdTinyTokenizer.EndOfTextId));
    }

    [Fact]
    public void ChatTemplateSource_IsMetaLlama3Instructs()
    {
        Assert.Equal(OfficialChatTemplates.Llama3Instruct, HerdTinyTokenizer.ChatTemplateSource);
    }

    [Fact]
    public void Load_WrittenChatTemplate_IsLlama3AndEncodesWithExactlyOneBos()
    {
        var tokenizer = ModelTokenizer.Load(_folder.Path);
        var template = tokenizer.ChatTemplate ?? throw new InvalidOperationException("herd-tiny has no chat template.");

        var prompt = template.Render([new("system", "Be brief."), new("user", "Hello!")]);
        var ids = tokenizer.Encode(prompt);

        Assert.Equal(ChatTemplateFamily.Llama3, template.Family);
        Assert.Equal(HerdTinyTokenizer.BeginOfTextId, ids[0]);
        Assert.Equal(HerdTinyTokenizer.StartHeaderId, ids[1]);
        Assert.Single(ids, id => id == HerdTinyTokenizer.BeginOfTextId);
        Assert.Equal(3, ids.Count(id => id == HerdTinyTokenizer.StartHeaderId));
        Assert.Equal(2, ids.Count(id => id == HerdTinyTokenizer.EndOfTurnId));
        Assert.Equal("system\n\nBe brief.user\n\nHello!assistant\n\n", tokenizer.Decode(ids));
    }

    private static Dictionary<string, byte[]> ReadFiles(TempModelFolder folder) =>
        Directory.EnumerateFiles(folder.Path).ToDictionary(file => Path.GetFileName(file), File.ReadAllBytes, StringComparer.Ordinal);
}
