using Herd.Node.Model.Lora;
using static TorchSharp.torch;

namespace Herd.Node.Training;

/// <summary>A trained adapter's matrices (A [rank, in], B [out, rank]) and the mean loss of each epoch.</summary>
public sealed record TrainingResult(IReadOnlyDictionary<(int Layer, LoraModule Module), (Tensor A, Tensor B)> Matrices, IReadOnlyList<double> EpochLosses);
