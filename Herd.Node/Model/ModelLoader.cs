using Herd.Node.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Model;

/// <summary>Builds a <see cref="CausalLanguageModel"/> from a Hugging Face snapshot folder.</summary>
public static class ModelLoader
{
    /// <param name="maxPositions">The longest sequence to serve; sizes the rotary tables.</param>
    /// <param name="dtype">What the weights are converted to on load (the engine computes in it).</param>
    /// <exception cref="ModelLoadException">A file or tensor is missing or malformed; the message names it.</exception>
    /// <param name="storage">the form projections are stored in (see <see cref="CausalLanguageModel"/>); null: the fastest for the device</param>
    /// <param name="progress">told the share of the checkpoint's bytes read so far (0 to 1) after each tensor</param>
    public static CausalLanguageModel Load(string modelFolder, ModelConfig config, int maxPositions, ScalarType dtype, Device device, WeightStorage? storage = null, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var model = Build(modelFolder, config, maxPositions, dtype, device, storage, progress);
        FreedMemory.Release();
        return model;
    }

    private static CausalLanguageModel Build(string modelFolder, ModelConfig config, int maxPositions, ScalarType dtype, Device device, WeightStorage? storage, IProgress<double>? progress)
    {
        using var checkpoint = Checkpoint.Open(modelFolder);
        using var scope = NewDisposeScope();
        var total = Math.Max(1, checkpoint.TensorNames.Sum(name => checkpoint.GetTensorInfo(name).ByteLength));
        var read = 0L;
        var model = new CausalLanguageModel(config, name =>
        {
            var weight = checkpoint.Load(name, dtype, device);
            read += checkpoint.GetTensorInfo(name).ByteLength;
            progress?.Report(Math.Min(1, (double)read / total));
            return weight;
        }, maxPositions, dtype, device, storage);
        // The parameters now hold the weights; everything else loading made can go.
        foreach (var parameter in model.parameters())
        {
            parameter.DetachFromDisposeScope();
        }

        return model;
    }
}
