using Herd.Node.Model;
using Herd.Node.Tokenization;
using Herd.Node.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Models;

/// <summary>Writes a built-in model as a Hugging Face snapshot folder: config, weights, tokenizer.</summary>
public static class SyntheticCheckpoint
{
    public static void Write(BuiltInModel model, string folder)
    {
        ArgumentNullException.ThrowIfNull(model);
        Directory.CreateDirectory(folder);
        model.Config.Save(folder);
        HerdTinyTokenizer.Write(folder);

        using var scope = NewDisposeScope();
        using var generator = new Generator(model.Seed, CPU);
        var tensors = TensorNames(model.Config)
            .Select(entry => KeyValuePair.Create(entry.Name, Initial(entry.Shape, entry.Name, generator)))
            .ToList();
        SafetensorsWriter.Write(Path.Combine(folder, Checkpoint.SingleFileName), tensors,
            new Dictionary<string, string> { ["format"] = "pt", ["herd"] = $"{model.Name} generator {BuiltInModel.GeneratorVersion}" });
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
