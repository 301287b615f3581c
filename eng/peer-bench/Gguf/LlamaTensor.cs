namespace Herd.PeerBench.Gguf;

/// <summary>
/// One tensor of a converted Llama: its GGUF name and info, and where its values come from: a
/// checkpoint tensor (with the rotary row order changed for q and k), or values made here.
/// </summary>
/// <param name="Source">the Hugging Face tensor name, or null for <paramref name="Values"/></param>
/// <param name="RotaryHeads">for q_proj and k_proj, the heads whose rows are reordered; 0 otherwise</param>
/// <param name="Values">the values of a tensor the checkpoint does not hold (rope_freqs)</param>
public sealed record LlamaTensor(GgufTensorInfo Info, string? Source, int RotaryHeads = 0, float[]? Values = null);
