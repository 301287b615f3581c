using System.Text;
using System.Text.RegularExpressions;

namespace Herd.Node.Tokenization;

/// <summary>
/// Mistral Instruct: <c>&lt;s&gt;[INST] user [/INST]assistant&lt;/s&gt;</c>. The official templates
/// differ in spacing and in where the system prompt goes, so those details are read from the
/// template text: v0.1 (<c>'[INST] '</c>, <c>' [/INST]'</c>, no system prompt), the updated v0.2
/// (<c>' [INST] '</c>, system prompt before the first user turn, <c>' '</c> before replies) and
/// v0.3 (<c>"[INST] "</c>, <c>"[/INST]"</c>, system prompt before the last user turn, trimmed
/// replies). Like Llama 2, the reply needs no generation prompt.
/// </summary>
internal sealed partial class MistralChatFormat : ChatFormat
{
    private readonly string _bosToken;
    private readonly string _eosToken;
    private readonly string _open;
    private readonly string _close;
    private readonly string _replyPrefix;
    private readonly bool _trimReply;
    private readonly SystemPlacement _system;

    private MistralChatFormat(string bosToken, string eosToken, string open, string close, string replyPrefix, bool trimReply, SystemPlacement system)
    {
        _bosToken = bosToken;
        _eosToken = eosToken;
        _open = open;
        _close = close;
        _replyPrefix = replyPrefix;
        _trimReply = trimReply;
        _system = system;
    }

    private enum SystemPlacement
    {
        /// <summary>A system turn breaks the alternation the template demands.</summary>
        None,
        FirstUserTurn,
        LastUserTurn,
    }

    public override ChatTemplateFamily Family => ChatTemplateFamily.Mistral;

    public static MistralChatFormat FromTemplate(string source, string bosToken, string eosToken)
    {
        var quoted = JinjaSource.SingleQuoted(source);
        var open = OpenPattern().Match(quoted) is { Success: true } o ? $"{o.Groups[1].Value}[INST]{o.Groups[2].Value}" : "[INST] ";
        var close = ClosePattern().Match(quoted) is { Success: true } c ? $"{c.Groups[1].Value}[/INST]" : " [/INST]";
        var replyPrefix = ReplyPrefixPattern().IsMatch(quoted) ? " " : string.Empty;
        var trimReply = TrimmedReplyPattern().IsMatch(quoted);
        var system = quoted.Contains("loop.last and system_message", StringComparison.Ordinal) ? SystemPlacement.LastUserTurn
            : quoted.Contains("loop.first and system_message", StringComparison.Ordinal) ? SystemPlacement.FirstUserTurn
            : SystemPlacement.None;
        return new MistralChatFormat(bosToken, eosToken, open, close, replyPrefix, trimReply, system);
    }

    public override string Render(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt)
    {
        var (system, rest) = _system == SystemPlacement.None ? (null, turns) : SplitSystem(turns);
        for (var i = 0; i < rest.Count; i++)
        {
            if ((rest[i].Role == ChatTurn.UserRole) != (i % 2 == 0))
            {
                throw new ArgumentException(
                    _system == SystemPlacement.None
                        ? "Conversation roles must alternate user/assistant/user/assistant/..."
                        : "After the optional system message, conversation roles must alternate user/assistant/user/assistant/...",
                    nameof(turns));
            }
        }

        var systemTurn = _system == SystemPlacement.FirstUserTurn ? 0 : rest.Count - 1;
        var text = new StringBuilder(_bosToken);
        for (var i = 0; i < rest.Count; i++)
        {
            var turn = rest[i];
            if (turn.Role == ChatTurn.UserRole)
            {
                text.Append(_open);
                if (system is not null && i == systemTurn)
                {
                    text.Append(system).Append("\n\n");
                }

                text.Append(turn.Content).Append(_close);
            }
            else if (turn.Role == ChatTurn.AssistantRole)
            {
                text.Append(_replyPrefix).Append(_trimReply ? JinjaFilters.Trim(turn.Content) : turn.Content).Append(_eosToken);
            }
            else
            {
                throw new ArgumentException("Only user and assistant roles are supported, with the exception of an initial optional system message!", nameof(turns));
            }
        }

        return text.ToString();
    }

    [GeneratedRegex(@"'( ?)\[INST\]( ?)'")]
    private static partial Regex OpenPattern();

    [GeneratedRegex(@"'( ?)\[/INST\]'")]
    private static partial Regex ClosePattern();

    [GeneratedRegex(@"' '\s*\+\s*message(?:\['content'\]|\.content)")]
    private static partial Regex ReplyPrefixPattern();

    [GeneratedRegex(@"message(?:\['content'\]|\.content)\s*\|\s*trim\s*\+\s*eos_token")]
    private static partial Regex TrimmedReplyPattern();
}
