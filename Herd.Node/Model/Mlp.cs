using Herd.Node.Model.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Model;

/// <summary>The SwiGLU feed-forward block: down(silu(gate(x)) * up(x)), with gate and up fused.</summary>
public sealed class Mlp : nn.Module
{
    private readonly FusedProjection _gateUpProj;
    private readonly Projection _downProj;
    private readonly int _layer;

    public Mlp(string prefix, int layer, WeightSource weights, WeightStorage? storage = null)
        : base(nameof(Mlp))
    {
        _layer = layer;
        _gateUpProj = new FusedProjection([prefix + ".gate_proj", prefix + ".up_proj"], weights, hasBias: false, storage);
        _downProj = new Projection(prefix + ".down_proj", weights, hasBias: false, storage);
        register_module("gate_up_proj", _gateUpProj);
        register_module("down_proj", _downProj);
    }

    /// <summary>gate and up in one product, gate first.</summary>
    internal FusedProjection GateUpProjection => _gateUpProj;

    internal Projection DownProjection => _downProj;

    /// <param name="hidden">[batch, tokens, hidden]</param>
    /// <returns>[batch, tokens, hidden]</returns>
    public Tensor Forward(Tensor hidden, ForwardContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // [batch, tokens, 2 * intermediate]
        var fused = _gateUpProj.Forward(hidden);
        context.Adapters?.AddUpdates(_layer, LoraSite.GateUp, hidden, fused);
        var gateUp = fused.chunk(2, dim: -1);
        var activated = nn.functional.silu(gateUp[0]).mul_(gateUp[1]);
        var output = _downProj.Forward(activated);
        context.Adapters?.AddUpdates(_layer, LoraSite.Down, activated, output);
        return output;
    }
}
