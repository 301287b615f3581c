namespace Herd.Node.Model.Lora;

/// <summary>
/// The adapters one sequence runs with, each with its weight: the update added to a product is
/// <c>sum_i weight_i * scale_i * x A_i^T B_i^T</c>, the same as merging
/// <c>sum_i weight_i * scale_i * B_i A_i</c> into the base weights. One adapter alone has weight 1.
/// </summary>
public sealed record AdapterBlend(IReadOnlyList<WeightedAdapter> Adapters)
{
    public static AdapterBlend Of(LowRankAdapter adapter) => new([new WeightedAdapter(adapter, 1.0)]);
}

/// <summary>One adapter of a blend and its weight.</summary>
public sealed record WeightedAdapter(LowRankAdapter Adapter, double Weight);
