using System.Text.Json.Nodes;
using Herd.Node.Model;
using Herd.Node.Tokenization;
using static Herd.Tests.Node.Tokenization.ByteLevelTokenizerFiles;

namespace Herd.Tests.Node.Tokenization;

public sealed class ByteLevelBpeTokenizerTests : IDisposable
{
    private readonly TempModelFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("Hello world, how are you?")]
    [InlineData("Crème brûlée à la façon de Noël")]
    [InlineData("日本語のテキストと中文")]
    [InlineData("Emoji 🙂👍🏽 and a family 👨‍👩‍👧")]
    [InlineData("  leading spaces\n\ttabs and\r\nnewlines  ")]
    public void Decode_EncodedText_RoundTrips(string text)
    {
        WriteLlama3(_folder);
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var decoded = tokenizer.Decode(tokenizer.Encode(text));

        Assert.Equal(text, decoded);
    }

    [Fact]
    public void Encode_Llama3Style_AddsBosAndAppliesMerges()
    {
        WriteLlama3(_folder);
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var ids = tokenizer.Encode("Hello world");

        var bos = AddedId(Llama3Specials, "<|begin_of_text|>");
        Assert.Equal([bos, Id("Hello"), Id(Space + "world")], ids);
        Assert.Equal(bos, tokenizer.BosTokenId);
        Assert.Equal("<|begin_of_text|>", tokenizer.BosToken);
    }

    [Fact]
    public void Encode_TextStartingWithBosText_AddsNoSecondBos()
    {
        WriteLlama3(_folder);
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var ids = tokenizer.Encode("<|begin_of_text|>Hello");

        Assert.Equal([AddedId(Llama3Specials, "<|begin_of_text|>"), Id("Hello")], ids);
    }

    [Theory]
    [InlineData("Hello")]
    [InlineData("<|begin_of_text|>Hello")]
    public void Encode_BosNamedByTheConfigButOnlyInTheVocabulary_StartsWithItOnce(string text)
    {
        // Hugging Face makes every special token the config names an added token, so the BOS
        // text a chat template renders is the BOS id even where tokenizer.json lists no such token.
        var json = Tokenizer(Sequence(Split(Llama3Pattern), ByteLevel(useRegex: false)), normalizer: null, postProcessor: null, [], mergesAsPairs: true);
        var vocab = json["model"]?["vocab"]?.AsObject() ?? throw new InvalidOperationException("The tokenizer has no vocabulary.");
        var bos = RegularTokenCount;
        vocab["<|begin_of_text|>"] = bos;
        _folder.WriteJson("tokenizer.json", json);
        _folder.WriteJson("tokenizer_config.json", new JsonObject { ["add_bos_token"] = true, ["bos_token"] = "<|begin_of_text|>" });
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var ids = tokenizer.Encode(text);

        Assert.Equal([bos, Id("Hello")], ids);
        Assert.True(tokenizer.IsSpecial(bos));
        Assert.Equal("Hello", tokenizer.Decode(ids));
    }

    [Fact]
    public void Encode_SpecialTokenTextsInside_MapToTheirIds()
    {
        WriteLlama3(_folder);
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var ids = tokenizer.Encode("<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>");

        Assert.Equal(AddedId(Llama3Specials, "<|start_header_id|>"), ids[1]);
        Assert.Equal(AddedId(Llama3Specials, "<|end_header_id|>"), ids[6]);
        Assert.Equal(Id("Hello"), ids[^2]);
        Assert.Equal(AddedId(Llama3Specials, "<|eot_id|>"), ids[^1]);
        Assert.Equal("user\n\nHello", tokenizer.Decode(ids));
    }

    [Fact]
    public void Encode_Llama3Pattern_SplitsNumbersIntoThreeDigitGroups()
    {
        WriteLlama3(_folder);
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var ids = tokenizer.Encode("12345");

        // "123" and "45" are separate words, so the merge "3 4" cannot apply.
        Assert.Equal(["1", "2", "3", "4", "5"], ids.Skip(1).Select(tokenizer.TokenText));
    }

    [Fact]
    public void Encode_BareByteLevelPreTokenizer_UsesTheGpt2Pattern()
    {
        WriteGpt2(_folder);
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var ids = tokenizer.Encode("Hello world 12345");

        Assert.Null(tokenizer.BosTokenId);
        Assert.Equal(["Hello", Space + "world", Space, "1", "2", "34", "5"], ids.Select(tokenizer.TokenText));
    }

    [Fact]
    public void Load_MergesAsStrings_EncodesAsMergesAsPairs()
    {
        WriteLlama3(_folder, mergesAsPairs: true);
        var pairs = ModelTokenizer.Load(_folder.Path).Encode("Hello world, Hello");
        WriteLlama3(_folder, mergesAsPairs: false);
        var strings = ModelTokenizer.Load(_folder.Path).Encode("Hello world, Hello");

        Assert.Equal(pairs, strings);
        Assert.Contains(Id(Space + "world"), strings);
    }

    [Fact]
    public void Load_Qwen2Style_AddsNoBos()
    {
        WriteQwen2(_folder);
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var ids = tokenizer.Encode("Hello world");

        Assert.Null(tokenizer.BosTokenId);
        Assert.Equal([Id("Hello"), Id(Space + "world")], ids);
        Assert.Equal([AddedId(Qwen2Specials, "<|im_end|>")], tokenizer.EosTokenIds);
    }

    [Fact]
    public void Encode_Qwen2StyleWithNfc_ComposesDecomposedCharacters()
    {
        WriteQwen2(_folder);
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var decoded = tokenizer.Decode(tokenizer.Encode("Cafe\u0301"));

        Assert.Equal("Caf\u00e9", decoded);
    }

    [Fact]
    public void Load_Qwen2Style_RendersChatWithoutBos()
    {
        WriteQwen2(_folder);
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var prompt = tokenizer.ChatTemplate!.Render([new ChatTurn("user", "Hello")]);
        var ids = tokenizer.Encode(prompt);

        Assert.Equal(ChatTemplateFamily.ChatML, tokenizer.ChatTemplate.Family);
        Assert.Equal(AddedId(Qwen2Specials, "<|im_start|>"), ids[0]);
        Assert.Equal(prompt.Replace("<|im_start|>", string.Empty, StringComparison.Ordinal).Replace("<|im_end|>", string.Empty, StringComparison.Ordinal), tokenizer.Decode(ids));
    }

    [Fact]
    public void Encode_RenderedLlama3Chat_StartsWithExactlyOneBos()
    {
        WriteLlama3(_folder);
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        var prompt = tokenizer.ChatTemplate!.Render([new ChatTurn("system", "Be brief."), new ChatTurn("user", "Hello")]);
        var ids = tokenizer.Encode(prompt);

        var bos = AddedId(Llama3Specials, "<|begin_of_text|>");
        Assert.StartsWith("<|begin_of_text|><|start_header_id|>system", prompt, StringComparison.Ordinal);
        Assert.Equal(bos, ids[0]);
        Assert.Equal(1, ids.Count(id => id == bos));
        Assert.Equal(AddedId(Llama3Specials, "<|start_header_id|>"), ids[1]);
    }

    [Fact]
    public void Load_Llama3Style_ReadsEosVocabSizeAndTokenTexts()
    {
        WriteLlama3(_folder);
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        Assert.Equal([AddedId(Llama3Specials, "<|eot_id|>")], tokenizer.EosTokenIds);
        Assert.Equal(RegularTokenCount + Llama3Specials.Length, tokenizer.VocabSize);
        Assert.Equal(Space + "world", tokenizer.TokenText(Id(Space + "world")));
        Assert.Equal("<|eot_id|>", tokenizer.TokenText(AddedId(Llama3Specials, "<|eot_id|>")));
        Assert.True(tokenizer.IsSpecial(AddedId(Llama3Specials, "<|eot_id|>")));
        Assert.False(tokenizer.IsSpecial(Id("Hello")));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.TokenText(tokenizer.VocabSize));
    }

    [Fact]
    public void Load_AddBosTokenFalse_AddsNoBos()
    {
        WriteLlama3(_folder);
        _folder.WriteJson("tokenizer_config.json", new JsonObject { ["add_bos_token"] = false, ["bos_token"] = "<|begin_of_text|>" });

        var tokenizer = ModelTokenizer.Load(_folder.Path);

        Assert.Null(tokenizer.BosTokenId);
        Assert.Equal([Id("Hello")], tokenizer.Encode("Hello"));
    }

    [Fact]
    public void Load_ChatTemplateList_UsesTheDefaultTemplate()
    {
        WriteLlama3(_folder);
        _folder.WriteJson("tokenizer_config.json", new JsonObject
        {
            ["bos_token"] = new JsonObject { ["content"] = "<|begin_of_text|>", ["special"] = true },
            ["eos_token"] = new JsonObject { ["content"] = "<|end_of_text|>", ["special"] = true },
            ["chat_template"] = new JsonArray(
                new JsonObject { ["name"] = "tool_use", ["template"] = "{{ 'tools' }}" },
                new JsonObject { ["name"] = "default", ["template"] = OfficialChatTemplates.Llama3Instruct }),
        });

        var tokenizer = ModelTokenizer.Load(_folder.Path);

        Assert.Equal(ChatTemplateFamily.Llama3, tokenizer.ChatTemplate?.Family);
        Assert.Equal([AddedId(Llama3Specials, "<|end_of_text|>")], tokenizer.EosTokenIds);
    }

    [Fact]
    public void Load_UnsupportedModelType_ThrowsNamingTheType()
    {
        _folder.WriteJson("tokenizer.json", new JsonObject
        {
            ["model"] = new JsonObject { ["type"] = "WordPiece", ["vocab"] = new JsonObject { ["[UNK]"] = 0 } },
        });

        var error = Assert.Throws<ModelLoadException>(() => ModelTokenizer.Load(_folder.Path));

        Assert.Contains("'WordPiece'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnsupportedPreTokenizer_ThrowsNamingIt()
    {
        _folder.WriteJson("tokenizer.json", Tokenizer(
            Sequence(new JsonObject { ["type"] = "Whitespace" }, ByteLevel(useRegex: false)), normalizer: null, postProcessor: null, [], mergesAsPairs: true));

        var error = Assert.Throws<ModelLoadException>(() => ModelTokenizer.Load(_folder.Path));

        Assert.Contains("'Whitespace'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FolderWithoutTokenizer_ThrowsModelLoadException()
    {
        var error = Assert.Throws<ModelLoadException>(() => ModelTokenizer.Load(_folder.Path));

        Assert.Contains("tokenizer.json", error.Message, StringComparison.Ordinal);
    }
}
