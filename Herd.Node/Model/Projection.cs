using TorchSharp;
using TorchSharp.Modules;

namespace Herd.Node.Model;

/// <summary>A linear layer's stored weight ([out, in]) and optional bias, under its Hugging Face name.</summary>
public sealed class Projection : torch.nn.Module
{
    /// <param name="storage">the form to store the weight in; null: the fastest for its device</param>
    public Projection(string prefix, WeightSource weights, bool hasBias, WeightStorage? storage = null)
        : base(nameof(Projection))
    {
        ArgumentNullException.ThrowIfNull(weights);
        Weight = ProjectionWeight.Create(weights(prefix + ".weight"), storage);
        register_parameter("weight", Weight.Stored);
        if (hasBias)
        {
            Bias = new Parameter(weights(prefix + ".bias"), requires_grad: false);
            register_parameter("bias", Bias);
        }
    }

    public ProjectionWeight Weight { get; }

    public Parameter? Bias { get; }

    /// <param name="input">[..., in]</param>
    /// <returns>[..., out]</returns>
    public torch.Tensor Forward(torch.Tensor input) => Weight.Apply(input, Bias);
}
