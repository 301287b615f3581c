using static TorchSharp.torch;

namespace Herd.Node.Model.Lora;

/// <summary>One module's LoRA matrices as PEFT stores them, and the scale of their product.</summary>
/// <param name="A">[rank, in] (<c>lora_A</c>)</param>
/// <param name="B">[out, rank] (<c>lora_B</c>)</param>
/// <param name="Scale"><c>lora_alpha / r</c>, or <c>lora_alpha / sqrt(r)</c> with rsLoRA</param>
public sealed record LoraMatrices(Tensor A, Tensor B, double Scale)
{
    public long Rank => A.shape[0];

    /// <summary>The scale of an update of <paramref name="rank"/>: <c>alpha / r</c>, or <c>alpha / sqrt(r)</c> with rank-stabilised LoRA.</summary>
    public static double ScaleOf(double alpha, long rank, bool rankStabilised) =>
        rankStabilised ? alpha / Math.Sqrt(rank) : alpha / rank;
}
