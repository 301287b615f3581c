namespace Herd.Node.Model;

/// <summary>The decoder families the engine runs; all share the Llama block structure.</summary>
public enum ModelArchitecture
{
    /// <summary><c>LlamaForCausalLM</c>: Llama 2 and 3.x, TinyLlama, SmolLM.</summary>
    Llama,

    /// <summary><c>MistralForCausalLM</c>: Llama's block with a sliding attention window.</summary>
    Mistral,

    /// <summary><c>Qwen2ForCausalLM</c>: Llama's block with biases on the q, k and v projections.</summary>
    Qwen2,
}
