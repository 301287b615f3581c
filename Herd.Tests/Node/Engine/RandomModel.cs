using System.Security.Cryptography;
using System.Text;
using Herd.Node.Engine;
using Herd.Node.Model;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Engine;

/// <summary>A small Llama-architecture model with fixed random weights, built in memory for engine tests.</summary>
internal static class RandomModel
{
    public static ModelConfig Config(int vocab = 96, int layers = 2, int heads = 4, int kvHeads = 2, bool qkvBias = false) => new()
    {
        Architectures = [qkvBias ? "Qwen2ForCausalLM" : "LlamaForCausalLM"],
        VocabSize = vocab,
        HiddenSize = 32,
        IntermediateSize = 64,
        NumHiddenLayers = layers,
        NumAttentionHeads = heads,
        NumKeyValueHeads = kvHeads,
        MaxPositionEmbeddings = 128,
        RmsNormEps = 1e-5,
    };

    public static CausalLanguageModel Create(ModelConfig? config = null, int maxPositions = 128) =>
        new(config ?? Config(), Weights(config ?? Config()), maxPositions, float32, CPU);

    public static EngineLoop Engine(CausalLanguageModel model, int maxSequences = 16, int maxBatchedTokens = 64) =>
        new(model, new EngineOptions { MaxSequences = maxSequences, MaxBatchedTokens = maxBatchedTokens },
            () => new TokenIdDecoder(), new HashSet<int>(), NullLogger<EngineLoop>.Instance);

    /// <summary>The tensor the model built from <paramref name="config"/> loaded as <paramref name="name"/>, drawn again.</summary>
    public static Tensor Weight(string name, ModelConfig? config = null) => Weights(config ?? Config())(name);

    /// <summary>Each tensor drawn from a generator seeded by its name, so the same name always gets the same values.</summary>
    public static WeightSource Weights(ModelConfig config) => name =>
    {
        using var generator = new Generator(BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(name))), CPU);
        var shape = ShapeOf(name, config);
        return name.EndsWith("layernorm.weight", StringComparison.Ordinal) || name == "model.norm.weight"
            ? 1 + 0.1 * randn(shape, generator: generator)
            : 0.2 * randn(shape, generator: generator);
    };

    private static long[] ShapeOf(string name, ModelConfig config)
    {
        var (hidden, headDim) = (config.HiddenSize, config.HeadDimension);
        var kv = config.KeyValueHeads * headDim;
        return name.Split('.') switch
        {
            [.., "embed_tokens", _] or ["lm_head", _] => [config.VocabSize, hidden],
            [.., "q_proj", "weight"] => [config.NumAttentionHeads * headDim, hidden],
            [.., "q_proj", "bias"] => [config.NumAttentionHeads * headDim],
            [.., "k_proj" or "v_proj", "weight"] => [kv, hidden],
            [.., "k_proj" or "v_proj", "bias"] => [kv],
            [.., "o_proj", _] => [hidden, config.NumAttentionHeads * headDim],
            [.., "gate_proj" or "up_proj", _] => [config.IntermediateSize, hidden],
            [.., "down_proj", _] => [hidden, config.IntermediateSize],
            [.., _, "weight"] => [hidden],
            _ => throw new ArgumentException($"No shape for {name}"),
        };
    }
}
