namespace Herd.Node.Tokenization;

/// <summary>
/// A model's chat template (the Jinja text of <c>tokenizer_config.json</c>), rendered by family:
/// Herd has no Jinja engine, so it recognises the official templates of Llama 3, ChatML (Qwen2,
/// SmolLM), Llama 2 and Mistral and writes their output in C#. Tool calls are not rendered.
/// A template of another family loads fine; <see cref="Render"/> then throws
/// <see cref="UnsupportedChatTemplateException"/>.
/// </summary>
public sealed class ChatTemplate
{
    private readonly ChatFormat? _format;

    private ChatTemplate(string source, ChatFormat? format)
    {
        Source = source;
        _format = format;
    }

    /// <summary>The template's Jinja text.</summary>
    public string Source { get; }

    /// <summary>The family recognised in the template, or null when it is none Herd renders.</summary>
    public ChatTemplateFamily? Family => _format?.Family;

    public bool IsSupported => _format is not null;

    /// <param name="source">The Jinja text.</param>
    /// <param name="bosToken">The template's <c>bos_token</c> (tokenizer_config.json); null renders as empty.</param>
    /// <param name="eosToken">The template's <c>eos_token</c>; null renders as empty.</param>
    /// <param name="timeProvider">The clock for templates that print today's date (Llama 3.2); the system clock by default.</param>
    public static ChatTemplate Parse(string source, string? bosToken, string? eosToken, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new ChatTemplate(source, Recognise(source, bosToken ?? string.Empty, eosToken ?? string.Empty, timeProvider ?? TimeProvider.System));
    }

    /// <summary>The prompt text for <paramref name="turns"/>, including the BOS text where the template writes it.</summary>
    /// <param name="turns">The conversation, at least one turn.</param>
    /// <param name="addGenerationPrompt">End with the header that opens the assistant's reply (Llama 3, ChatML).</param>
    /// <exception cref="UnsupportedChatTemplateException">The template is of no family Herd renders.</exception>
    /// <exception cref="ArgumentException">The turns break the template's rules (roles must alternate in Llama 2 and Mistral).</exception>
    public string Render(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(turns);
        if (_format is null)
        {
            throw new UnsupportedChatTemplateException();
        }

        if (turns.Count == 0)
        {
            throw new ArgumentException("A conversation needs at least one turn.", nameof(turns));
        }

        return _format.Render(turns, addGenerationPrompt);
    }

    private static ChatFormat? Recognise(string source, string bosToken, string eosToken, TimeProvider time)
    {
        if (source.Contains("<|start_header_id|>", StringComparison.Ordinal))
        {
            return Llama3ChatFormat.FromTemplate(source, bosToken, time);
        }

        // Phi-4 also writes <|im_start|>, but with <|im_sep|> and without newlines.
        if (source.Contains("<|im_start|>", StringComparison.Ordinal) && !source.Contains("<|im_sep|>", StringComparison.Ordinal))
        {
            return ChatMLFormat.FromTemplate(source);
        }

        if (!source.Contains("[INST]", StringComparison.Ordinal))
        {
            return null;
        }

        if (source.Contains("<<SYS>>", StringComparison.Ordinal))
        {
            return new Llama2ChatFormat(bosToken, eosToken);
        }

        // Later Mistral templates (v7) put the system prompt in [SYSTEM_PROMPT] turns of their own.
        return source.Contains("[SYSTEM_PROMPT]", StringComparison.Ordinal) ? null : MistralChatFormat.FromTemplate(source, bosToken, eosToken);
    }
}
