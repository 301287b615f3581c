namespace Herd.Node.Tokenization;

/// <summary>The chat prompt formats Herd renders without a Jinja engine.</summary>
public enum ChatTemplateFamily
{
    /// <summary><c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;</c> turns ending in <c>&lt;|eot_id|&gt;</c> (Llama 3, 3.1, 3.2, 3.3).</summary>
    Llama3,

    /// <summary><c>&lt;|im_start|&gt;role</c> turns ending in <c>&lt;|im_end|&gt;</c> (Qwen2, SmolLM).</summary>
    ChatML,

    /// <summary><c>[INST]</c> turns with the system prompt in <c>&lt;&lt;SYS&gt;&gt;</c> (Llama 2 chat).</summary>
    Llama2,

    /// <summary><c>[INST]</c> turns without <c>&lt;&lt;SYS&gt;&gt;</c> (Mistral Instruct v0.1 to v0.3).</summary>
    Mistral,
}
