using Herd.Node.Model;
using Herd.Node.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.PeerBench.Gguf;

/// <summary>
/// Converts a Hugging Face Llama checkpoint folder (Herd's built-in models included) to a GGUF
/// file llama.cpp loads as its llama architecture: metadata, tokenizer, and every weight as
/// F32, BF16 or Q8_0, one tensor in memory at a time.
/// </summary>
public static class LlamaGgufConverter
{
    /// <param name="modelFolder">config.json, *.safetensors and a Llama 3-style tokenizer.json</param>
    /// <param name="outputPath">the GGUF file to write, replaced if it exists</param>
    /// <param name="progress">told the share of tensors written so far (0 to 1) after each one</param>
    /// <exception cref="NotSupportedException">The model, a weight's dtype or the tokenizer is of a kind the converter does not write; the message says which.</exception>
    /// <exception cref="ModelLoadException">The folder is not a loadable model; the message names the file or tensor.</exception>
    public static void Convert(string modelFolder, string outputPath, GgufWeightFormat format, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(format);
        var config = ModelConfig.Load(modelFolder);
        using var checkpoint = Checkpoint.Open(modelFolder);
        var plan = LlamaTensorPlan.For(config, checkpoint, format);
        var metadata = LlamaGgufMetadata.Create(Path.GetFileName(Path.TrimEndingDirectorySeparator(modelFolder)), config, format);
        GgufTokenizerMetadata.AddTo(metadata, modelFolder, config);

        using var writer = GgufFileWriter.Create(outputPath, metadata, [.. plan.Select(tensor => tensor.Info)]);
        for (var i = 0; i < plan.Count; i++)
        {
            var tensor = plan[i];
            using (var scope = NewDisposeScope())
            {
                var values = tensor.Values is { } made ? torch.tensor(made) : Load(checkpoint, tensor);
                writer.WriteTensor(tensor.Info.Name, stream => TensorEncoding.Write(values, tensor.Info.Type, stream));
            }

            progress?.Report((double)(i + 1) / plan.Count);
        }

        writer.Complete();
    }

    private static Tensor Load(Checkpoint checkpoint, LlamaTensor tensor)
    {
        var weight = checkpoint.Load(tensor.Source!, ScalarType.Float32, CPU);
        return tensor.RotaryHeads > 0 ? ToInterleavedRotary(weight, tensor.RotaryHeads) : weight.contiguous();
    }

    /// <summary>
    /// Hugging Face's Llama rotates each head's first half of features against its second half;
    /// GGUF's llama rotates adjacent pairs. Reordering each head's rows from [half, pair] to
    /// [pair, half] makes the same model in GGUF's order, as llama.cpp's converter does.
    /// </summary>
    /// <param name="weight">[heads * head_dim, in]</param>
    private static Tensor ToInterleavedRotary(Tensor weight, int heads)
    {
        var (rows, columns) = (weight.shape[0], weight.shape[1]);
        // [heads, 2, head_dim / 2, in] -> [heads, head_dim / 2, 2, in]
        return weight.reshape(heads, 2, rows / heads / 2, columns).transpose(1, 2).reshape(rows, columns).contiguous();
    }
}
