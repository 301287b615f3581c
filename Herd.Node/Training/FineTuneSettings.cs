using Herd.Node.Model.Lora;

namespace Herd.Node.Training;

/// <summary>How an adapter is trained (see <c>Herd.Node finetune --help</c>).</summary>
public sealed record FineTuneSettings
{
    public int Rank { get; init; } = 8;

    public double Alpha { get; init; } = 16;

    public IReadOnlyList<LoraModule> TargetModules { get; init; } = [LoraModule.QProj, LoraModule.VProj];

    public bool UseRslora { get; init; }

    public double LearningRate { get; init; } = 1e-3;

    public int Epochs { get; init; } = 3;

    public int BatchSize { get; init; } = 4;

    public int Seed { get; init; } = 1;

    /// <summary>Examples are cut to this many tokens, instruction and response together.</summary>
    public int MaxLength { get; init; } = 512;

    public double Scale => LoraMatrices.ScaleOf(Alpha, Rank, UseRslora);
}
