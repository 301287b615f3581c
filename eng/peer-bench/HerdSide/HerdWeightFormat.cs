using Herd.PeerBench.Gguf;

namespace Herd.PeerBench.HerdSide;

/// <summary>
/// The one place the Herd side's weight format is decided. Herd's engine stores float32 weights
/// today, so every run measures Herd in float32 whatever llama.cpp runs, and the report says so.
/// The engine's BF16 and 8-bit weight formats are on their way: when they land, map
/// <see cref="GgufWeightFormat.BF16"/> and <see cref="GgufWeightFormat.Q8_0"/> to them here, and
/// pass the answer into the engine options in <c>PeerBenchRun.LoadHerd</c>, which now refuses
/// anything but float32.
/// </summary>
internal static class HerdWeightFormat
{
    public const string Float32 = "float32";

    /// <summary>The weight format Herd runs when llama.cpp runs <paramref name="llamaCppFormat"/>.</summary>
    public static string For(GgufWeightFormat llamaCppFormat) => Float32;
}
