using System.Text;

namespace Herd.Node.Tokenization;

/// <summary>
/// ChatML (Qwen2, SmolLM): <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c> per turn. Where
/// the template writes a default system prompt (Qwen2's "You are a helpful assistant."), it
/// comes first when the conversation has no system turn of its own.
/// </summary>
internal sealed class ChatMLFormat(string? defaultSystemPrompt) : ChatFormat
{
    public override ChatTemplateFamily Family => ChatTemplateFamily.ChatML;

    public string? DefaultSystemPrompt { get; } = defaultSystemPrompt;

    public static ChatMLFormat FromTemplate(string source)
    {
        // The default is a literal that runs from the system header to <|im_end|> without
        // leaving the string; a header followed by the first message's content does not match.
        var prompt = JinjaSource.FindLiteral(
            JinjaSource.SingleQuoted(source),
            @"<\|im_start\|>system(?:\\n|\n)((?:(?!<\|im_end\|>)[^'])*)<\|im_end\|>");
        return new ChatMLFormat(prompt);
    }

    public override string Render(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt)
    {
        var text = new StringBuilder();
        if (DefaultSystemPrompt is not null && turns[0].Role != ChatTurn.SystemRole)
        {
            Turn(text, ChatTurn.SystemRole, DefaultSystemPrompt);
        }

        foreach (var turn in turns)
        {
            Turn(text, turn.Role, turn.Content);
        }

        if (addGenerationPrompt)
        {
            text.Append("<|im_start|>assistant\n");
        }

        return text.ToString();
    }

    private static void Turn(StringBuilder text, string role, string content) =>
        text.Append("<|im_start|>").Append(role).Append('\n').Append(content).Append("<|im_end|>\n");
}
