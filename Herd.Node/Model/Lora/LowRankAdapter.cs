using static TorchSharp.torch;

namespace Herd.Node.Model.Lora;

/// <summary>
/// A LoRA adapter in the form the engine adds it: for each layer and site, the update of the
/// modules it adapts (<see cref="SiteUpdate"/>). Its weights stay apart from the base model's, so
/// one copy of the base serves any number of adapters, and sequences with different adapters
/// share one batch.
/// </summary>
public sealed class LowRankAdapter : IDisposable
{
    private readonly SiteUpdate?[,] _sites;

    private LowRankAdapter(string name, SiteUpdate?[,] sites)
    {
        Name = name;
        _sites = sites;
        Bytes = sites.Cast<SiteUpdate?>().Sum(site => site?.Bytes ?? 0);
    }

    public string Name { get; }

    /// <summary>The memory its weights hold.</summary>
    public long Bytes { get; }

    /// <summary>The update at <paramref name="site"/> of <paramref name="layer"/>, or null where the adapter changes nothing.</summary>
    public SiteUpdate? Site(int layer, LoraSite site) => _sites[layer, (int)site];

    /// <summary>
    /// Builds an adapter from PEFT's matrices. <paramref name="parts"/> keys are (layer, module);
    /// A is [rank, in], B is [out, rank], and the update is <c>scale * x A^T B^T</c>. The inputs
    /// are read, not kept: the adapter holds tensors of its own (gradients flow through them when
    /// A and B require them, which fine-tuning uses).
    /// </summary>
    /// <param name="config">The base model's config: the shapes and the query scaling the engine folds into its weights.</param>
    /// <param name="differentiable">keep every product in libtorch, where autograd differentiates it (fine-tuning); otherwise the fastest form for the device</param>
    public static LowRankAdapter Build(string name, ModelConfig config, IReadOnlyDictionary<(int Layer, LoraModule Module), LoraMatrices> parts, bool differentiable = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(parts);
        var sites = new SiteUpdate?[config.NumHiddenLayers, LoraModules.SiteCount];
        foreach (var group in parts.GroupBy(part => (part.Key.Layer, Site: part.Key.Module.Site())))
        {
            var ordered = group.OrderBy(part => part.Key.Module).ToList();
            var down = cat([.. ordered.Select(part => part.Value.A)], dim: 0).contiguous();
            var layout = LoraModules.All.Where(module => module.Site() == group.Key.Site).Select(module => (module.OutputOffset(config), module.Shape(config).Out)).ToList();
            var siteParts = new List<SiteUpdate.Part>();
            var rankOffset = 0L;
            foreach (var ((_, module), matrices) in ordered)
            {
                // The engine scales queries by 1 / sqrt(head_dim) in the q weights (see Attention);
                // the update to the queries must be scaled alike.
                var scale = module == LoraModule.QProj ? matrices.Scale / Math.Sqrt(config.HeadDimension) : matrices.Scale;
                siteParts.Add(new SiteUpdate.Part(rankOffset, module.OutputOffset(config), matrices.B.mul(scale).contiguous(), pack: !differentiable));
                rankOffset += matrices.Rank;
            }

            sites[group.Key.Layer, (int)group.Key.Site] = new SiteUpdate(down, siteParts, layout);
        }

        return new LowRankAdapter(name, sites);
    }

    /// <summary>Keeps its tensors past the dispose scope it was built in (an adapter that stays resident).</summary>
    public LowRankAdapter DetachFromDisposeScope()
    {
        foreach (var site in _sites)
        {
            site?.DetachFromDisposeScope();
        }

        return this;
    }

    public void Dispose()
    {
        foreach (var site in _sites)
        {
            site?.Dispose();
        }
    }
}
