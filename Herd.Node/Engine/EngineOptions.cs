using System.ComponentModel.DataAnnotations;

namespace Herd.Node.Engine;

/// <summary>The engine's capacity, bound from <c>Herd:Node:Engine</c>.</summary>
public sealed record EngineOptions
{
    public const string Section = "Herd:Node:Engine";

    /// <summary>Sequences running at once; each holds one preallocated KV cache slot.</summary>
    [Range(1, 1024)]
    public int MaxSequences { get; init; } = 16;

    /// <summary>Tokens one iteration may process (decode tokens plus prompt chunk tokens); must exceed MaxSequences.</summary>
    [Range(2, 65536)]
    public int MaxBatchedTokens { get; init; } = 512;

    /// <summary>
    /// Longest sequence served, prompt and output together, capped by the model's own context
    /// length; 0 serves the model's full context. The KV cache is preallocated for MaxSequences
    /// sequences of this length, so it bounds memory.
    /// </summary>
    [Range(0, 1 << 20)]
    public int MaxContextLength { get; init; } = 4096;

    /// <summary><c>auto</c> (float32 on CPU, bfloat16 on CUDA), <c>float32</c>, <c>bfloat16</c> or <c>float16</c>.</summary>
    [RegularExpression("^(auto|float32|bfloat16|float16)$", ErrorMessage = "Herd:Node:Engine:DType must be auto, float32, bfloat16 or float16.")]
    public string DType { get; init; } = "auto";

    /// <summary>
    /// How the projections' weights are stored for Herd's native CPU kernels: <c>auto</c> (float32
    /// panels where the kernels run, libtorch's layouts elsewhere), <c>f32</c> (the same),
    /// <c>bf16</c> (half the bytes; each weight rounded to 8 bits of mantissa) or <c>q8</c> (int8
    /// in blocks of 32 inputs with a float32 scale each, as llama.cpp's Q8_0: about a quarter of
    /// the bytes). The narrower formats are made at load from any checkpoint, need the native
    /// kernels and float32 compute, and compute in float32.
    /// </summary>
    [RegularExpression("^(auto|f32|bf16|q8)$", ErrorMessage = "Herd:Node:Engine:Weights must be auto, f32, bf16 or q8.")]
    public string Weights { get; init; } = "auto";

    /// <summary>
    /// Benchmark mode only, never for serving: above 0 the node does not run its model; every
    /// sequence gets a made-up token at this rate (up to max_tokens, 16 when unset). It isolates
    /// the cost of the gateway and the link from the engine's.
    /// </summary>
    [Range(0, 1_000_000)]
    public double SyntheticTokensPerSecond { get; init; }
}
