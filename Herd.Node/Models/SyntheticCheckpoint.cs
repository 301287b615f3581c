using Herd.Node.Model;
using Herd.Node.Tokenization;
using Herd.Node.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Models;

/// <summary>Writes a built-in model as a Hugging Face snapshot folder: config, weights, tokenizer.</summary>
public static class SyntheticCheckpoint
{
    /// <param name="progress">told the share of the weights' bytes written so far (0 to 1) after each tensor</param>
    public static void Write(BuiltInModel model, string folder, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Directory.CreateDirectory(folder);
        model.Config.Save(folder);
        HerdTinyTokenizer.Write(folder);

        var tensors = TensorNames(model.Config).ToList();
        var stored = model.WeightDType.ToScalarType()
            ?? throw new ArgumentException($"{model.Name}'s weights cannot be stored as {model.WeightDType.ToHeaderName()}.", nameof(model));
        using var writer = SafetensorsStreamWriter.Create(
            Path.Combine(folder, Checkpoint.SingleFileName),
            tensors.Select(tensor => new SafetensorsEntry(tensor.Name, model.WeightDType, tensor.Shape)),
            new Dictionary<string, string> { ["format"] = "pt", ["herd"] = $"{model.Name} generator {BuiltInModel.GeneratorVersion}" });
        var total = writer.Layout.Sum(entry => entry.ByteLength);
        var written = 0L;

        // One generator draws every tensor in the order of TensorNames, whatever order the file
        // holds them in, so the weights depend on the seed alone; one tensor exists at a time, so
        // a model larger than memory can still be written.
        using var generator = new Generator(model.Seed, CPU);
        foreach (var (name, shape) in tensors)
        {
            using (var scope = NewDisposeScope())
            {
                writer.Write(name, Initial(shape, name, generator).to(stored));
            }

            written += shape.Aggregate(1L, (product, dimension) => product * dimension) * model.WeightDType.ElementSize();
            progress?.Report((double)written / total);
        }

        writer.Complete();
    }

    // Norm scales start at one and matrices at the usual small scale, like an untrained model.
    private static Tensor Initial(long[] shape, string name, Generator generator) =>
        name.EndsWith("norm.weight", StringComparison.Ordinal)
            ? ones(shape)
            : normal(0, 0.02, shape, generator: generator);

    /// <summary>Every tensor a Llama checkpoint of this config holds, in Hugging Face's names and shapes.</summary>
    public static IEnumerable<(string Name, long[] Shape)> TensorNames(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (hidden, headDim) = (config.HiddenSize, config.HeadDimension);
        var (queries, keyValues) = (config.NumAttentionHeads * headDim, config.KeyValueHeads * headDim);
        yield return ("model.embed_tokens.weight", [config.VocabSize, hidden]);
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            var prefix = $"model.layers.{layer}";
            yield return ($"{prefix}.input_layernorm.weight", [hidden]);
            yield return ($"{prefix}.self_attn.q_proj.weight", [queries, hidden]);
            yield return ($"{prefix}.self_attn.k_proj.weight", [keyValues, hidden]);
            yield return ($"{prefix}.self_attn.v_proj.weight", [keyValues, hidden]);
            yield return ($"{prefix}.self_attn.o_proj.weight", [hidden, queries]);
            yield return ($"{prefix}.post_attention_layernorm.weight", [hidden]);
            yield return ($"{prefix}.mlp.gate_proj.weight", [config.IntermediateSize, hidden]);
            yield return ($"{prefix}.mlp.up_proj.weight", [config.IntermediateSize, hidden]);
            yield return ($"{prefix}.mlp.down_proj.weight", [hidden, config.IntermediateSize]);
        }

        yield return ("model.norm.weight", [hidden]);
        if (!config.TieWordEmbeddings)
        {
            yield return ("lm_head.weight", [config.VocabSize, hidden]);
        }
    }
}
