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

    public Tensor Forward(Tensor input)
    {
        // input: [..., hidden]
        using var scope = NewDisposeScope();
        var variance = input.pow(2).mean([-1], keepdim: true);
        var normalised = input * rsqrt(variance + _epsilon);
        return (normalised * _weight).MoveToOuterDisposeScope();
    }
}
