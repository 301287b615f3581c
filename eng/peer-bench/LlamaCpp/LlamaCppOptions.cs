using LLama.Native;

namespace Herd.PeerBench.LlamaCpp;

/// <summary>How llama.cpp's context is sized and run: the counterpart of Herd's engine options.</summary>
/// <param name="Threads">decode and batch threads, the same as Herd's</param>
/// <param name="Sequences">sequences the context holds at once (n_seq_max)</param>
/// <param name="ContextPerSequence">the longest sequence, prompt and output; each sequence gets its own cache of this length</param>
/// <param name="KvCacheType">F32 to match Herd's float32 cache, or F16, llama.cpp's default</param>
/// <param name="BatchTokens">tokens one decode call may take (n_batch and n_ubatch), like Herd's tokens per iteration</param>
/// <param name="FlashAttention">
/// llama.cpp's default, auto, runs its fused attention on the CPU, which rounds through half
/// precision: fast, but its logits differ from an exact float32 computation by about 1e-4.
/// Disabled, llama.cpp attends in float32 and agrees with Herd to about 1e-6.
/// </param>
public sealed record LlamaCppOptions(
    int Threads,
    int Sequences,
    int ContextPerSequence,
    GGMLType KvCacheType = GGMLType.GGML_TYPE_F32,
    int BatchTokens = 512,
    LLamaFlashAttentionType FlashAttention = LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_AUTO);
