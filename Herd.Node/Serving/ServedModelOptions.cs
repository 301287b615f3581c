using Herd.Node.Adapters;
using Herd.Node.Engine;
using Herd.Node.Experts;

namespace Herd.Node.Serving;

/// <summary>How to load and run one model.</summary>
public sealed record ServedModelOptions
{
    /// <summary><c>auto</c>, <c>cpu</c> or <c>cuda</c>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>libtorch's CPU threads; 0 keeps libtorch's choice.</summary>
    public int Threads { get; init; }

    public EngineOptions Engine { get; init; } = new();

    public AdapterOptions Adapters { get; init; } = new();

    public ExpertOptions Experts { get; init; } = new();
}
