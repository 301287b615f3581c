using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Model;

/// <summary>The SwiGLU feed-forward block: down(silu(gate(x)) * up(x)).</summary>
public sealed class Mlp : nn.Module
{
    private readonly Projection _gateProj;
    private readonly Projection _upProj;
    private readonly Projection _downProj;

    public Mlp(string prefix, WeightSource weights)
        : base(nameof(Mlp))
    {
        _gateProj = new Projection(prefix + ".gate_proj", weights, hasBias: false);
        _upProj = new Projection(prefix + ".up_proj", weights, hasBias: false);
        _downProj = new Projection(prefix + ".down_proj", weights, hasBias: false);
        register_module("gate_proj", _gateProj);
        register_module("up_proj", _upProj);
        register_module("down_proj", _downProj);
    }

    /// <param name="hidden">[batch, tokens, hidden]</param>
    /// <returns>[batch, tokens, hidden]</returns>
    public Tensor Forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var gated = nn.functional.silu(_gateProj.Forward(hidden)) * _upProj.Forward(hidden);
        return _downProj.Forward(gated).MoveToOuterDisposeScope();
    }
}
