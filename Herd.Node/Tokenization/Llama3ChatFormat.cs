using System.Globalization;
using System.Text;

namespace Herd.Node.Tokenization;

/// <summary>
/// Llama 3's template: every turn is <c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\n</c>,
/// the trimmed content and <c>&lt;|eot_id|&gt;</c>, after the BOS text. Llama 3.1 and later always
/// open with a system turn that states the knowledge cutoff and today's date before the system
/// prompt, and put tool results under an <c>ipython</c> header (tool definitions and calls are not
/// rendered).
/// </summary>
internal sealed class Llama3ChatFormat : ChatFormat
{
    private const string EndOfTurn = "<|eot_id|>";

    private readonly string _bosToken;
    private readonly string? _knowledgeCutoff;
    private readonly Func<string> _today;

    private Llama3ChatFormat(string bosToken, string? knowledgeCutoff, Func<string> today)
    {
        _bosToken = bosToken;
        _knowledgeCutoff = knowledgeCutoff;
        _today = today;
    }

    public override ChatTemplateFamily Family => ChatTemplateFamily.Llama3;

    public static Llama3ChatFormat FromTemplate(string source, string bosToken, TimeProvider time)
    {
        var quoted = JinjaSource.SingleQuoted(source);
        var cutoff = JinjaSource.FindLiteral(quoted, @"Cutting Knowledge Date: ([^'\\\n]+)");

        // Llama 3.2 and later take today's date where the renderer offers strftime_now (Hugging
        // Face and vLLM do); 3.1 writes a fixed date.
        Func<string> today;
        if (source.Contains("strftime_now", StringComparison.Ordinal))
        {
            today = () => time.GetLocalNow().ToString("dd MMM yyyy", CultureInfo.InvariantCulture);
        }
        else
        {
            var fixedDate = JinjaSource.FindLiteral(quoted, @"set date_string = '([^']*)'") ?? "26 Jul 2024";
            today = () => fixedDate;
        }

        return new Llama3ChatFormat(bosToken, cutoff, today);
    }

    public override string Render(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt)
    {
        var text = new StringBuilder(_bosToken);
        var rest = turns;
        if (_knowledgeCutoff is not null)
        {
            (var system, rest) = SplitSystem(turns);
            Header(text, ChatTurn.SystemRole)
                .Append("Cutting Knowledge Date: ").Append(_knowledgeCutoff).Append('\n')
                .Append("Today Date: ").Append(_today()).Append("\n\n")
                .Append(system is null ? string.Empty : JinjaFilters.Trim(system))
                .Append(EndOfTurn);
        }

        foreach (var turn in rest)
        {
            if (_knowledgeCutoff is not null && turn.Role is "tool" or "ipython")
            {
                // Tool results go under the ipython header as tojson makes them: the template asks
                // "is iterable" to catch structured results, and in Jinja a string is iterable too.
                Header(text, "ipython").Append(JinjaFilters.ToJson(turn.Content)).Append(EndOfTurn);
                continue;
            }

            Header(text, turn.Role).Append(JinjaFilters.Trim(turn.Content)).Append(EndOfTurn);
        }

        if (addGenerationPrompt)
        {
            Header(text, ChatTurn.AssistantRole);
        }

        return text.ToString();
    }

    private static StringBuilder Header(StringBuilder text, string role) =>
        text.Append("<|start_header_id|>").Append(role).Append("<|end_header_id|>\n\n");
}
