using Herd.PeerBench.Gguf;

namespace Herd.PeerBench.HerdSide;

/// <summary>
/// Herd's weight format (<c>Herd:Node:Engine:Weights</c>) for each of llama.cpp's: float32 against
/// F32, bfloat16 against BF16, and int8 blocks of 32 with a scale each (<c>q8</c>) against Q8_0.
/// </summary>
internal static class HerdWeightFormat
{
    /// <summary>The weight format Herd runs when llama.cpp runs <paramref name="llamaCppFormat"/>.</summary>
    public static string For(GgufWeightFormat llamaCppFormat)
    {
        ArgumentNullException.ThrowIfNull(llamaCppFormat);
        return llamaCppFormat == GgufWeightFormat.BF16 ? "bf16"
            : llamaCppFormat == GgufWeightFormat.Q8_0 ? "q8"
            : "f32";
    }
}
