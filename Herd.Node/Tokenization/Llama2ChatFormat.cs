using System.Text;

namespace Herd.Node.Tokenization;

/// <summary>
/// Llama 2 chat: <c>&lt;s&gt;[INST] user [/INST] assistant &lt;/s&gt;</c> per exchange, the system
/// prompt folded into the first user turn inside <c>&lt;&lt;SYS&gt;&gt;</c>. The template ignores
/// the generation prompt flag: <c>[/INST]</c> already opens the reply.
/// </summary>
internal sealed class Llama2ChatFormat(string bosToken, string eosToken) : ChatFormat
{
    public override ChatTemplateFamily Family => ChatTemplateFamily.Llama2;

    public override string Render(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt)
    {
        var (system, rest) = SplitSystem(turns);
        var text = new StringBuilder();
        for (var i = 0; i < rest.Count; i++)
        {
            var turn = rest[i];
            if ((turn.Role == ChatTurn.UserRole) != (i % 2 == 0))
            {
                throw new ArgumentException("Conversation roles must alternate user/assistant/user/assistant/...", nameof(turns));
            }

            var content = i == 0 && system is not null
                ? $"<<SYS>>\n{system}\n<</SYS>>\n\n{turn.Content}"
                : turn.Content;
            if (turn.Role == ChatTurn.UserRole)
            {
                text.Append(bosToken).Append("[INST] ").Append(JinjaFilters.Trim(content)).Append(" [/INST]");
            }
            else if (turn.Role == ChatTurn.AssistantRole)
            {
                text.Append(' ').Append(JinjaFilters.Trim(content)).Append(' ').Append(eosToken);
            }
        }

        return text.ToString();
    }
}
