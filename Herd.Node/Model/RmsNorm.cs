using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Herd.Node.Model;

/// <summary>Root-mean-square layer normalisation with a learned scale (<c>weight</c>).</summary>
public sealed class RmsNorm : nn.Module
{
    private readonly Parameter _weight;
    private readonly double _epsilon;

    public RmsNorm(string prefix, WeightSource weights, double epsilon)
        : base(nameof(RmsNorm))
    {
        ArgumentNullException.ThrowIfNull(weights);
        _weight = new Parameter(weights(prefix + ".weight"), requires_grad: false);
        _epsilon = epsilon;
        register_parameter("weight", _weight);
    }

    /// <summary>The learned scale, [hidden].</summary>
    internal Tensor Weight => _weight;

    public Tensor Forward(Tensor input)
    {
        // input: [..., hidden]
        var inverseRms = input.square().mean([-1], keepdim: true).add_(_epsilon).rsqrt_();
        return (input * inverseRms).mul_(_weight);
    }
}
