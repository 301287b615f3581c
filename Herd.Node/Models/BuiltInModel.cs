using Herd.Node.Model;
using Herd.Node.Weights;

namespace Herd.Node.Models;

/// <summary>
/// A model Herd generates itself, so a fresh clone serves and benchmarks with no download. The
/// weights are random with a fixed seed: the architecture, file format, speed and memory are
/// real; the text it writes is noise.
/// </summary>
public sealed record BuiltInModel(string Name, string Description, ModelConfig Config, ulong Seed)
{
    /// <summary>Bumped when the generator changes, so cached copies are made anew.</summary>
    public const int GeneratorVersion = 1;

    /// <summary>The dtype the weights are stored in on disk (the engine converts them on load, as it does any checkpoint's).</summary>
    public SafetensorsDType WeightDType { get; init; } = SafetensorsDType.F32;
}
