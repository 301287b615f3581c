using System.Globalization;
using System.Text.RegularExpressions;
using Herd.Node.Model;
using Herd.Node.Model.Lora;
using Herd.Node.Weights;
using static TorchSharp.torch;

namespace Herd.Node.Adapters;

/// <summary>
/// LoRA adapters in the folder format PEFT saves and Hugging Face publishes:
/// <c>adapter_config.json</c> and <c>adapter_model.safetensors</c>, whose tensors are named
/// <c>base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight</c> ([rank, in]) and
/// <c>...lora_B.weight</c> ([out, rank]).
/// </summary>
public static partial class PeftAdapter
{
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>Reads an adapter and checks it against the base model it is to run on.</summary>
    /// <param name="dtype">The base model's dtype: the adapter computes in it too.</param>
    /// <exception cref="AdapterLoadException">A file is missing or malformed, or a tensor does not fit the model; the message names it.</exception>
    public static LowRankAdapter Load(string folder, string name, ModelConfig model, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!Directory.Exists(folder))
        {
            throw new AdapterLoadException($"Adapter folder {folder} does not exist.");
        }

        var config = AdapterConfig.Load(folder);
        var path = Path.Combine(folder, WeightsFileName);
        if (!File.Exists(path))
        {
            throw new AdapterLoadException($"{folder} has no {WeightsFileName}: an adapter folder holds {AdapterConfig.FileName} and {WeightsFileName}, as PEFT saves them.");
        }

        SafetensorsFile file;
        try
        {
            file = SafetensorsFile.Open(path);
        }
        catch (ModelLoadException error)
        {
            throw new AdapterLoadException(error.Message, error);
        }

        using (file)
        using (var scope = NewDisposeScope())
        {
            var parts = new Dictionary<(int Layer, LoraModule Module), LoraMatrices>();
            foreach (var (layer, module) in Modules(file, model, path))
            {
                var rank = RankOf(file, path, layer, module, model);
                parts[(layer, module)] = new LoraMatrices(
                    Load(file, TensorName(layer, module, 'A'), dtype, device),
                    Load(file, TensorName(layer, module, 'B'), dtype, device),
                    config.Scale(module, layer, rank));
            }

            return LowRankAdapter.Build(name, model, parts).DetachFromDisposeScope();
        }
    }

    /// <summary>
    /// Writes an adapter as PEFT saves one, so that Herd and PEFT (<c>PeftModel.from_pretrained</c>)
    /// both load it. The folder is created if need be; files there are replaced.
    /// </summary>
    /// <param name="matrices">Each adapted module's A ([rank, in]) and B ([out, rank]), written as F32.</param>
    public static void Save(string folder, AdapterSettings settings, IReadOnlyDictionary<(int Layer, LoraModule Module), (Tensor A, Tensor B)> matrices)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(matrices);
        Directory.CreateDirectory(folder);
        using var scope = NewDisposeScope();
        var tensors = matrices.SelectMany(pair => new[]
        {
            KeyValuePair.Create(TensorName(pair.Key.Layer, pair.Key.Module, 'A'), pair.Value.A.detach().to(float32)),
            KeyValuePair.Create(TensorName(pair.Key.Layer, pair.Key.Module, 'B'), pair.Value.B.detach().to(float32)),
        });
        SafetensorsWriter.Write(Path.Combine(folder, WeightsFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(Path.Combine(folder, AdapterConfig.FileName), settings.ToJson());
    }

    /// <summary>The PEFT name of a module's A or B matrix.</summary>
    public static string TensorName(int layer, LoraModule module, char matrix) =>
        $"base_model.model.model.layers.{layer}.{module.PathInLayer()}.lora_{matrix}.weight";

    private static SortedSet<(int Layer, LoraModule Module)> Modules(SafetensorsFile file, ModelConfig model, string path)
    {
        var modules = new SortedSet<(int Layer, LoraModule Module)>();
        foreach (var name in file.TensorNames)
        {
            var match = TensorNamePattern().Match(name);
            var module = match.Success ? LoraModules.Parse(match.Groups["module"].Value) : null;
            if (module is null || $"{match.Groups["block"].Value}.{module.Value.Name()}" != module.Value.PathInLayer())
            {
                throw new AdapterLoadException(
                    $"{path}: tensor '{name}' is not a LoRA matrix Herd applies. Herd adapts {string.Join(", ", LoraModules.All.Select(m => m.Name()))} " +
                    "of each decoder layer, with tensors named like base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight.");
            }

            var layer = int.Parse(match.Groups["layer"].Value, CultureInfo.InvariantCulture);
            if (layer >= model.NumHiddenLayers)
            {
                throw new AdapterLoadException(
                    $"{path}: tensor '{name}' adapts layer {layer}, but the base model has {model.NumHiddenLayers} layers: the adapter was made for another model.");
            }

            modules.Add((layer, module.Value));
        }

        if (modules.Count == 0)
        {
            throw new AdapterLoadException($"{path} holds no LoRA matrices.");
        }

        return modules;
    }

    /// <summary>Checks that the module's A and B are present and fit the base model.</summary>
    /// <returns>The adapter's rank at that module.</returns>
    private static long RankOf(SafetensorsFile file, string path, int layer, LoraModule module, ModelConfig model)
    {
        var (aName, bName) = (TensorName(layer, module, 'A'), TensorName(layer, module, 'B'));
        foreach (var name in new[] { aName, bName })
        {
            if (!file.Contains(name))
            {
                throw new AdapterLoadException($"{path}: tensor '{name}' is missing; each adapted module needs both lora_A and lora_B.");
            }
        }

        var (a, b) = (file.GetTensorInfo(aName).Shape, file.GetTensorInfo(bName).Shape);
        var features = module.Shape(model);
        if (a.Count != 2 || b.Count != 2 || a[1] != features.In || b[0] != features.Out || a[0] != b[1] || a[0] < 1)
        {
            throw new AdapterLoadException(
                $"{path}: {module.Name()} of layer {layer} has lora_A [{string.Join(", ", a)}] and lora_B [{string.Join(", ", b)}], " +
                $"but the base model's {module.Name()} takes {features.In} features to {features.Out}: lora_A must be [rank, {features.In}] and lora_B [{features.Out}, rank]. " +
                "The adapter was made for another model.");
        }

        return a[0];
    }

    private static Tensor Load(SafetensorsFile file, string name, ScalarType dtype, Device device)
    {
        try
        {
            return file.Load(name, dtype, device);
        }
        catch (ModelLoadException error)
        {
            throw new AdapterLoadException(error.Message, error);
        }
    }

    [GeneratedRegex(@"^base_model\.model\.model\.layers\.(?<layer>\d{1,6})\.(?<block>self_attn|mlp)\.(?<module>[a-z_]+)\.lora_[AB]\.weight$")]
    private static partial Regex TensorNamePattern();
}
