using System.Text.Json.Nodes;
using Herd.Node.Tokenization;

namespace Herd.Tests.Node.Tokenization;

/// <summary>
/// Chat templates as the models ship them: each is recognised by family and renders what Hugging
/// Face's <c>apply_chat_template</c> renders from the same Jinja text (the expected strings were
/// produced that way), BOS text, whitespace and system prompt placement included.
/// </summary>
public sealed class ChatTemplateTests
{
    private static readonly ChatTurn[] SystemAndUser = [new("system", "You are a helpful assistant."), new("user", "Hello!")];
    private static readonly ChatTurn[] MultiTurn = [new("user", "Hello"), new("assistant", "  Hi there  "), new("user", "Who are you?")];
    private static readonly ChatTurn[] UserOnly = [new("user", "Hello!")];
    private static readonly ChatTurn[] SystemAndMultiTurn = [new("system", "Be brief."), .. MultiTurn];

    private static readonly Dictionary<string, ChatTurn[]> Conversations = new()
    {
        [nameof(SystemAndUser)] = SystemAndUser,
        [nameof(MultiTurn)] = MultiTurn,
        [nameof(UserOnly)] = UserOnly,
        [nameof(SystemAndMultiTurn)] = SystemAndMultiTurn,
    };

    /// <summary>5 March 2025, for templates that print today's date.</summary>
    private static readonly TimeProvider Clock = new FixedClock(new DateTimeOffset(2025, 3, 5, 10, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData(nameof(OfficialChatTemplates.Llama2Chat), ChatTemplateFamily.Llama2)]
    [InlineData(nameof(OfficialChatTemplates.Llama3Instruct), ChatTemplateFamily.Llama3)]
    [InlineData(nameof(OfficialChatTemplates.Llama31Instruct), ChatTemplateFamily.Llama3)]
    [InlineData(nameof(OfficialChatTemplates.Llama32Instruct), ChatTemplateFamily.Llama3)]
    [InlineData(nameof(OfficialChatTemplates.Qwen2Instruct), ChatTemplateFamily.ChatML)]
    [InlineData(nameof(OfficialChatTemplates.SmolLM2Instruct), ChatTemplateFamily.ChatML)]
    [InlineData(nameof(OfficialChatTemplates.SmolLMInstruct), ChatTemplateFamily.ChatML)]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV01Original), ChatTemplateFamily.Mistral)]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV02), ChatTemplateFamily.Mistral)]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV03), ChatTemplateFamily.Mistral)]
    public void Parse_OfficialTemplate_RecognisesItsFamily(string template, ChatTemplateFamily family)
    {
        var parsed = Parse(template);

        Assert.Equal(family, parsed.Family);
        Assert.True(parsed.IsSupported);
        Assert.Equal(Source(template), parsed.Source);
    }

    [Theory]
    [InlineData(nameof(OfficialChatTemplates.Llama2Chat), nameof(SystemAndUser), "<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\nHello! [/INST]")]
    [InlineData(nameof(OfficialChatTemplates.Llama2Chat), nameof(MultiTurn), "<s>[INST] Hello [/INST] Hi there </s><s>[INST] Who are you? [/INST]")]
    [InlineData(nameof(OfficialChatTemplates.Llama2Chat), nameof(UserOnly), "<s>[INST] Hello! [/INST]")]
    [InlineData(nameof(OfficialChatTemplates.Llama2Chat), nameof(SystemAndMultiTurn), "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHello [/INST] Hi there </s><s>[INST] Who are you? [/INST]")]
    [InlineData(nameof(OfficialChatTemplates.Llama3Instruct), nameof(SystemAndUser), "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")]
    [InlineData(nameof(OfficialChatTemplates.Llama3Instruct), nameof(MultiTurn), "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")]
    [InlineData(nameof(OfficialChatTemplates.Llama3Instruct), nameof(UserOnly), "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")]
    [InlineData(nameof(OfficialChatTemplates.Llama3Instruct), nameof(SystemAndMultiTurn), "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")]
    [InlineData(nameof(OfficialChatTemplates.Llama31Instruct), nameof(SystemAndUser), "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are a helpful assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")]
    [InlineData(nameof(OfficialChatTemplates.Llama31Instruct), nameof(MultiTurn), "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")]
    [InlineData(nameof(OfficialChatTemplates.Llama31Instruct), nameof(UserOnly), "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")]
    [InlineData(nameof(OfficialChatTemplates.Llama31Instruct), nameof(SystemAndMultiTurn), "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")]
    [InlineData(nameof(OfficialChatTemplates.Llama32Instruct), nameof(SystemAndUser), "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 05 Mar 2025\n\nYou are a helpful assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")]
    [InlineData(nameof(OfficialChatTemplates.Llama32Instruct), nameof(MultiTurn), "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 05 Mar 2025\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")]
    [InlineData(nameof(OfficialChatTemplates.Llama32Instruct), nameof(UserOnly), "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 05 Mar 2025\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")]
    [InlineData(nameof(OfficialChatTemplates.Llama32Instruct), nameof(SystemAndMultiTurn), "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 05 Mar 2025\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")]
    [InlineData(nameof(OfficialChatTemplates.Qwen2Instruct), nameof(SystemAndUser), "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData(nameof(OfficialChatTemplates.Qwen2Instruct), nameof(MultiTurn), "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n  Hi there  <|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData(nameof(OfficialChatTemplates.Qwen2Instruct), nameof(UserOnly), "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData(nameof(OfficialChatTemplates.Qwen2Instruct), nameof(SystemAndMultiTurn), "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n  Hi there  <|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData(nameof(OfficialChatTemplates.SmolLM2Instruct), nameof(SystemAndUser), "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData(nameof(OfficialChatTemplates.SmolLM2Instruct), nameof(MultiTurn), "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n  Hi there  <|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData(nameof(OfficialChatTemplates.SmolLM2Instruct), nameof(UserOnly), "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData(nameof(OfficialChatTemplates.SmolLM2Instruct), nameof(SystemAndMultiTurn), "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n  Hi there  <|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData(nameof(OfficialChatTemplates.SmolLMInstruct), nameof(SystemAndUser), "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData(nameof(OfficialChatTemplates.SmolLMInstruct), nameof(MultiTurn), "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n  Hi there  <|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData(nameof(OfficialChatTemplates.SmolLMInstruct), nameof(UserOnly), "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData(nameof(OfficialChatTemplates.SmolLMInstruct), nameof(SystemAndMultiTurn), "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n  Hi there  <|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV01Original), nameof(MultiTurn), "<s>[INST] Hello [/INST]  Hi there  </s>[INST] Who are you? [/INST]")]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV01Original), nameof(UserOnly), "<s>[INST] Hello! [/INST]")]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV02), nameof(SystemAndUser), "<s> [INST] You are a helpful assistant.\n\nHello! [/INST]")]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV02), nameof(MultiTurn), "<s> [INST] Hello [/INST]   Hi there  </s> [INST] Who are you? [/INST]")]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV02), nameof(UserOnly), "<s> [INST] Hello! [/INST]")]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV02), nameof(SystemAndMultiTurn), "<s> [INST] Be brief.\n\nHello [/INST]   Hi there  </s> [INST] Who are you? [/INST]")]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV03), nameof(SystemAndUser), "<s>[INST] You are a helpful assistant.\n\nHello![/INST]")]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV03), nameof(MultiTurn), "<s>[INST] Hello[/INST] Hi there</s>[INST] Who are you?[/INST]")]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV03), nameof(UserOnly), "<s>[INST] Hello![/INST]")]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV03), nameof(SystemAndMultiTurn), "<s>[INST] Hello[/INST] Hi there</s>[INST] Be brief.\n\nWho are you?[/INST]")]
    public void Render_OfficialTemplate_GivesWhatHuggingFaceRenders(string template, string conversation, string expected)
    {
        var rendered = Parse(template).Render(Conversations[conversation], addGenerationPrompt: true);

        Assert.Equal(expected, rendered);
    }

    [Theory]
    [InlineData(nameof(OfficialChatTemplates.Llama3Instruct), "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you?<|eot_id|>")]
    [InlineData(nameof(OfficialChatTemplates.Qwen2Instruct), "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n  Hi there  <|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n")]
    public void Render_WithoutGenerationPrompt_EndsAfterTheLastTurn(string template, string expected)
    {
        var rendered = Parse(template).Render(MultiTurn, addGenerationPrompt: false);

        Assert.Equal(expected, rendered);
    }

    [Theory]
    [InlineData(nameof(OfficialChatTemplates.Llama2Chat))]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV02))]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV03))]
    public void Render_InstFormats_IgnoreTheGenerationPromptFlag(string template)
    {
        var parsed = Parse(template);

        Assert.Equal(parsed.Render(SystemAndMultiTurn, addGenerationPrompt: true), parsed.Render(SystemAndMultiTurn, addGenerationPrompt: false));
    }

    [Fact]
    public void Render_Llama2EmptySystemPrompt_StillWritesTheSysBlock()
    {
        // The template tests system_message != false, and an empty string is not false.
        var rendered = Parse(nameof(OfficialChatTemplates.Llama2Chat)).Render([new("system", ""), new("user", "Hi")]);

        Assert.Equal("<s>[INST] <<SYS>>\n\n<</SYS>>\n\nHi [/INST]", rendered);
    }

    [Fact]
    public void Render_Llama2_StripsTheWholeFirstTurnButNotTheSystemPromptInside()
    {
        var rendered = Parse(nameof(OfficialChatTemplates.Llama2Chat)).Render(
            [new("system", " Be brief. "), new("user", "Hi\u001e"), new("assistant", "\u001d Hello ")]);

        Assert.Equal("<s>[INST] <<SYS>>\n Be brief. \n<</SYS>>\n\nHi [/INST] Hello </s>", rendered);
    }

    [Fact]
    public void Render_Llama3_TrimsPythonWhitespace()
    {
        // Python's strip() also removes the separators U+001C..U+001F, which .NET's Trim keeps.
        var rendered = Parse(nameof(OfficialChatTemplates.Llama3Instruct)).Render([new("user", "\u001c\u3000Hi\u001f\u00a0")]);

        Assert.Equal("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", rendered);
    }

    [Fact]
    public void Render_Llama31ToolResult_IsWrittenAsAJsonStringUnderTheIpythonHeader()
    {
        // The template sends content that "is iterable" through tojson, and a string is iterable.
        var rendered = Parse(nameof(OfficialChatTemplates.Llama31Instruct)).Render(
            [new("user", "Weather?"), new("tool", "Sunny, \"25°C\"\n\u0001")]);

        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nWeather?<|eot_id|>"
            + "<|start_header_id|>ipython<|end_header_id|>\n\n\"Sunny, \\\"25°C\\\"\\n\\u0001\"<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n",
            rendered);
    }

    [Fact]
    public void Render_Llama3ToolTurn_IsAnOrdinaryTurn()
    {
        var rendered = Parse(nameof(OfficialChatTemplates.Llama3Instruct)).Render([new("user", "Weather?"), new("tool", " Sunny ")]);

        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWeather?<|eot_id|><|start_header_id|>tool<|end_header_id|>\n\nSunny<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            rendered);
    }

    [Fact]
    public void Render_Llama32_PrintsTodaysDateFromTheClock()
    {
        var later = new FixedClock(new DateTimeOffset(2026, 11, 25, 23, 0, 0, TimeSpan.Zero));
        var template = ChatTemplate.Parse(OfficialChatTemplates.Llama32Instruct, "<|begin_of_text|>", "<|eot_id|>", later);

        var rendered = template.Render(UserOnly);

        Assert.Contains("\nToday Date: 25 Nov 2026\n\n<|eot_id|>", rendered, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_MistralV03ConversationEndingInAReply_DropsTheSystemPrompt()
    {
        // The template writes the system prompt into the last message when that is a user turn.
        var rendered = Parse(nameof(OfficialChatTemplates.MistralInstructV03)).Render(
            [new("system", "Be brief."), new("user", "Hi"), new("assistant", "Hello")]);

        Assert.Equal("<s>[INST] Hi[/INST] Hello</s>", rendered);
    }

    [Fact]
    public void Render_MistralV03EmptySystemPrompt_StillWritesItsSeparator()
    {
        var rendered = Parse(nameof(OfficialChatTemplates.MistralInstructV03)).Render([new("system", ""), new("user", "Hi")]);

        Assert.Equal("<s>[INST] \n\nHi[/INST]", rendered);
    }

    [Theory]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV01Original), nameof(SystemAndUser), "Conversation roles must alternate user/assistant/user/assistant/...")]
    [InlineData(nameof(OfficialChatTemplates.Llama2Chat), "AssistantFirst", "Conversation roles must alternate user/assistant/user/assistant/...")]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV02), "AssistantFirst", "After the optional system message, conversation roles must alternate user/assistant/user/assistant/...")]
    [InlineData(nameof(OfficialChatTemplates.MistralInstructV02), "LateSystem", "Only user and assistant roles are supported, with the exception of an initial optional system message!")]
    public void Render_TurnsTheTemplateRejects_ThrowWithTheTemplatesMessage(string template, string conversation, string message)
    {
        ChatTurn[] turns = conversation switch
        {
            "AssistantFirst" => [new("assistant", "Hi"), new("user", "Hello")],
            "LateSystem" => [new("user", "Hi"), new("system", "Be brief.")],
            _ => Conversations[conversation],
        };

        var error = Assert.Throws<ArgumentException>(() => Parse(template).Render(turns));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NoTurns_Throws()
    {
        var template = Parse(nameof(OfficialChatTemplates.Llama3Instruct));

        Assert.Throws<ArgumentException>(() => template.Render([]));
    }

    [Theory]
    [InlineData(nameof(OfficialChatTemplates.Gemma2Instruct))]
    [InlineData(nameof(OfficialChatTemplates.Phi4))]
    [InlineData("")]
    public void Render_UnknownTemplate_ThrowsNamingTheSupportedFamiliesAndPlainCompletion(string template)
    {
        var source = template.Length == 0 ? "{{ messages[0]['content'] }}" : Source(template);
        var parsed = ChatTemplate.Parse(source, "<bos>", "<eos>");

        var error = Assert.Throws<UnsupportedChatTemplateException>(() => parsed.Render(UserOnly));

        Assert.Null(parsed.Family);
        Assert.False(parsed.IsSupported);
        foreach (var family in new[] { "Llama 3", "ChatML", "Qwen2", "SmolLM", "Llama 2", "Mistral" })
        {
            Assert.Contains(family, error.Message, StringComparison.Ordinal);
        }

        Assert.Contains("plain completion still works", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ConfigWithoutChatTemplate_HasNoChatTemplate()
    {
        using var folder = new TempModelFolder();
        ByteLevelTokenizerFiles.WriteLlama3(folder);
        folder.WriteJson("tokenizer_config.json", new JsonObject { ["bos_token"] = "<|begin_of_text|>", ["eos_token"] = "<|eot_id|>" });

        var tokenizer = ModelTokenizer.Load(folder.Path);

        Assert.Null(tokenizer.ChatTemplate);
        Assert.Equal(ByteLevelTokenizerFiles.AddedId(ByteLevelTokenizerFiles.Llama3Specials, "<|begin_of_text|>"), tokenizer.Encode("Hello")[0]);
    }

    [Fact]
    public void Load_ChatTemplateInAFileOfItsOwn_IsRead()
    {
        using var folder = new TempModelFolder();
        ByteLevelTokenizerFiles.WriteLlama3(folder);
        folder.WriteJson("tokenizer_config.json", new JsonObject { ["bos_token"] = "<|begin_of_text|>", ["eos_token"] = "<|eot_id|>" });
        File.WriteAllText(folder.FilePath("chat_template.jinja"), OfficialChatTemplates.Llama31Instruct);

        var tokenizer = ModelTokenizer.Load(folder.Path);

        Assert.Equal(ChatTemplateFamily.Llama3, tokenizer.ChatTemplate?.Family);
        Assert.StartsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n", tokenizer.ChatTemplate?.Render(UserOnly), StringComparison.Ordinal);
    }

    /// <summary>The template with the BOS and EOS texts its model's tokenizer_config.json names.</summary>
    private static ChatTemplate Parse(string template)
    {
        var (bos, eos) = template switch
        {
            nameof(OfficialChatTemplates.Llama3Instruct) or nameof(OfficialChatTemplates.Llama31Instruct) or nameof(OfficialChatTemplates.Llama32Instruct)
                => ("<|begin_of_text|>", "<|eot_id|>"),
            nameof(OfficialChatTemplates.Qwen2Instruct) => (null, "<|im_end|>"),
            nameof(OfficialChatTemplates.SmolLMInstruct) or nameof(OfficialChatTemplates.SmolLM2Instruct) => ("<|im_start|>", "<|im_end|>"),
            _ => ("<s>", "</s>"),
        };
        return ChatTemplate.Parse(Source(template), bos, eos, Clock);
    }

    private static string Source(string template) =>
        typeof(OfficialChatTemplates).GetField(template)?.GetRawConstantValue() as string
            ?? throw new ArgumentException($"OfficialChatTemplates has no template {template}.", nameof(template));

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

        public override DateTimeOffset GetUtcNow() => now;
    }
}
