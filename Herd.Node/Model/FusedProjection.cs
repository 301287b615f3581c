using TorchSharp;
using TorchSharp.Modules;

namespace Herd.Node.Model;

/// <summary>
/// Several linear layers that read the same input, stored as one matrix (q, k and v; gate and
/// up). One large matrix-vector product streams the weights from memory much faster than a few
/// small ones, which is what bounds decoding speed on a CPU.
/// </summary>
public sealed class FusedProjection : torch.nn.Module
{
    /// <param name="storage">the form to store the weight in; null: the fastest for its device</param>
    public FusedProjection(IReadOnlyList<string> prefixes, WeightSource weights, bool hasBias, WeightStorage? storage = null)
        : base(nameof(FusedProjection))
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        ArgumentNullException.ThrowIfNull(weights);
        Weight = ProjectionWeight.Create(Concatenate(prefixes.Select(prefix => prefix + ".weight"), weights), storage);
        register_parameter("weight", Weight.Stored);
        if (hasBias)
        {
            Bias = new Parameter(Concatenate(prefixes.Select(prefix => prefix + ".bias"), weights), requires_grad: false);
            register_parameter("bias", Bias);
        }
    }

    public ProjectionWeight Weight { get; }

    public Parameter? Bias { get; }

    /// <param name="input">[..., in]</param>
    /// <returns>[..., sum of the parts' out]</returns>
    public torch.Tensor Forward(torch.Tensor input) => Weight.Apply(input, Bias);

    private static torch.Tensor Concatenate(IEnumerable<string> names, WeightSource weights)
    {
        var parts = names.Select(name => weights(name)).ToList();
        var fused = torch.cat(parts, dim: 0);
        parts.ForEach(part => part.Dispose());
        return fused;
    }
}
