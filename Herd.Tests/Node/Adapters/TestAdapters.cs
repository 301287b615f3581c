using Herd.Node.Adapters;
using Herd.Node.Model;
using Herd.Node.Model.Lora;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Adapters;

/// <summary>LoRA adapters with fixed random matrices, for a model config, in memory or as PEFT folders.</summary>
internal static class TestAdapters
{
    /// <summary>A and B drawn from a generator seeded by <paramref name="seed"/>; B is not zero, as PEFT starts it, or the adapter would change nothing.</summary>
    public static Dictionary<(int Layer, LoraModule Module), (Tensor A, Tensor B)> Matrices(ModelConfig config, int rank, IReadOnlyList<LoraModule> modules, int seed, double scale = 0.1)
    {
        using var generator = new Generator((ulong)seed, CPU);
        var matrices = new Dictionary<(int Layer, LoraModule Module), (Tensor A, Tensor B)>();
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            foreach (var module in modules)
            {
                var (input, output) = module.Shape(config);
                var a = (scale * randn([rank, input], generator: generator)).DetachFromDisposeScope();
                var b = (scale * randn([output, rank], generator: generator)).DetachFromDisposeScope();
                matrices[(layer, module)] = (a, b);
            }
        }

        return matrices;
    }

    public static LowRankAdapter Build(string name, ModelConfig config, Dictionary<(int Layer, LoraModule Module), (Tensor A, Tensor B)> matrices, double loraScale) =>
        LowRankAdapter.Build(name, config, matrices.ToDictionary(pair => pair.Key, pair => new LoraMatrices(pair.Value.A, pair.Value.B, loraScale)));

    /// <summary>Writes a random adapter as a PEFT folder and returns the folder.</summary>
    public static string Write(string parent, string name, ModelConfig config, int rank, double alpha, IReadOnlyList<LoraModule> modules, int seed, bool rslora = false)
    {
        var folder = Path.Combine(parent, name);
        PeftAdapter.Save(folder, new AdapterSettings(rank, alpha, modules, rslora, "test-model"), Matrices(config, rank, modules, seed));
        return folder;
    }

    /// <summary>
    /// Weights with adapters merged in: <c>W + sum_i weight_i * scale_i * B_i A_i</c> for every
    /// adapted module, the form an adapter's update must equal.
    /// </summary>
    public static WeightSource Merged(WeightSource weights, IReadOnlyList<(Dictionary<(int Layer, LoraModule Module), (Tensor A, Tensor B)> Matrices, double Scale)> adapters) => name =>
    {
        var weight = weights(name);
        foreach (var (matrices, scale) in adapters)
        {
            foreach (var ((layer, module), (a, b)) in matrices)
            {
                if (name == $"model.layers.{layer}.{module.PathInLayer()}.weight")
                {
                    weight = weight + (scale * b.matmul(a));
                }
            }
        }

        return weight;
    };
}
