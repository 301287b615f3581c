using Herd.Node.Model;
using Herd.Node.Tokenization;
using Herd.Node.Weights;

namespace Herd.Node.Models;

/// <summary>The models Herd can make on the spot, by name.</summary>
public static class BuiltInModels
{
    /// <summary>The default model: small enough to serve and test on any machine.</summary>
    public static readonly BuiltInModel HerdTiny = new(
        "herd-tiny",
        "a small Llama-architecture test model with random weights (it writes noise)",
        Llama(hidden: 128, layers: 4, heads: 4, kvHeads: 2, intermediate: 352, maxPositions: 2048),
        Seed: 20261125);

    /// <summary>The benchmark model: 60M parameters, big enough that decoding is bound by memory bandwidth.</summary>
    public static readonly BuiltInModel HerdBench = new(
        "herd-bench",
        "a 60M-parameter Llama-architecture benchmark model with random weights (it writes noise)",
        Llama(hidden: 1024, layers: 5, heads: 16, kvHeads: 8, intermediate: 2816, maxPositions: 2048),
        Seed: 20261126);

    /// <summary>
    /// A benchmark model shaped exactly like Llama 3.2 1B (1.24B parameters, Llama 3's rope
    /// scaling, tied embeddings, a 128256-token embedding) and stored in BF16 as that model is
    /// published, so the engine can be measured where real deployments run. Its tokenizer is
    /// herd-tiny's, which only uses the lowest ids; positions are capped at 8192 (Llama 3.2 has 131072)
    /// so a served context stays within reach of a small machine.
    /// </summary>
    public static readonly BuiltInModel Herd1B = new(
        "herd-1b",
        "a 1.24B-parameter model shaped like Llama 3.2 1B, BF16 on disk, with random weights (it writes noise)",
        Llama(hidden: 2048, layers: 16, heads: 32, kvHeads: 8, intermediate: 8192, maxPositions: 8192) with
        {
            VocabSize = 128256,
            HeadDim = 64,
            RopeScaling = new RopeScaling
            {
                RopeType = "llama3",
                Factor = 32,
                LowFreqFactor = 1,
                HighFreqFactor = 4,
                OriginalMaxPositionEmbeddings = 8192,
            },
            TorchDtype = "bfloat16",
        },
        Seed: 20261210)
    {
        WeightDType = SafetensorsDType.BF16,
    };

    public static IReadOnlyList<BuiltInModel> All { get; } = [HerdTiny, HerdBench, Herd1B];

    public static BuiltInModel? Find(string name) =>
        All.FirstOrDefault(model => string.Equals(model.Name, name, StringComparison.OrdinalIgnoreCase));

    // All use herd-tiny's tokenizer: Llama 3's shape, BOS added, Llama 3's chat template.
    private static ModelConfig Llama(int hidden, int layers, int heads, int kvHeads, int intermediate, int maxPositions) => new()
    {
        Architectures = ["LlamaForCausalLM"],
        ModelType = "llama",
        VocabSize = HerdTinyTokenizer.VocabSize,
        HiddenSize = hidden,
        IntermediateSize = intermediate,
        NumHiddenLayers = layers,
        NumAttentionHeads = heads,
        NumKeyValueHeads = kvHeads,
        MaxPositionEmbeddings = maxPositions,
        RmsNormEps = 1e-5,
        RopeTheta = 500000,
        TieWordEmbeddings = true,
        BosTokenId = [HerdTinyTokenizer.BeginOfTextId],
        EosTokenId = [HerdTinyTokenizer.EndOfTextId, HerdTinyTokenizer.EndOfTurnId],
        TorchDtype = "float32",
    };
}
