using static TorchSharp.torch;

namespace Herd.Node.Kernels;

/// <summary>
/// A decoder layer's tensors as <see cref="DecodeKernel"/> reads them: contiguous, on the CPU,
/// products packed by <see cref="PackedMatrix"/> in any of its formats (queries pre-scaled by
/// 1/√head_dim), everything else float32.
/// </summary>
/// <param name="Qkv">hidden → (heads + 2 kv_heads) · head_dim: queries, keys, values</param>
/// <param name="Output">heads · head_dim → hidden</param>
/// <param name="GateUp">hidden → 2 · intermediate: gate, then up</param>
/// <param name="Down">intermediate → hidden</param>
public sealed record DecodeLayerWeights(
    Tensor InputNorm, Tensor Qkv, Tensor? QkvBias, Tensor Output, Tensor? OutputBias, Tensor PostNorm, Tensor GateUp, Tensor Down);

/// <summary>A Llama-family model's shape and tensors as <see cref="DecodeKernel"/> reads them.</summary>
/// <param name="Embed">the token embeddings: when <paramref name="EmbedPacked"/>, the output matrix itself (tied); else [vocab, hidden] float32</param>
/// <param name="LmHead">hidden → vocab, packed</param>
/// <param name="RopeCos">[positions, head_dim]: rotary cosines</param>
/// <param name="RopeSin">[positions, head_dim]: rotary sines, the first half negated ("rotate half" layout)</param>
public sealed record DecodeModelWeights(
    int Hidden, int Heads, int KeyValueHeads, int HeadDim, int Intermediate, int Vocab, double Epsilon,
    Tensor Embed, bool EmbedPacked, Tensor FinalNorm, Tensor LmHead, Tensor RopeCos, Tensor RopeSin,
    IReadOnlyList<DecodeLayerWeights> Layers);
