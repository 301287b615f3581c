using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Herd.Node.Model.Lora;

namespace Herd.Node.Adapters;

/// <summary>
/// A PEFT adapter's <c>adapter_config.json</c>, the fields a LoRA adapter's update depends on.
/// Fields that change the update in ways Herd does not apply (DoRA, fan-in/fan-out weights, bias
/// training, extra modules saved whole) are refused by <see cref="Load"/> rather than ignored.
/// </summary>
public sealed record AdapterConfig
{
    public const string FileName = "adapter_config.json";

    /// <summary>PEFT's name for targeting every linear layer but the output head.</summary>
    public const string AllLinear = "all-linear";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.Strict,
    };

    public string PeftType { get; init; } = "";

    public int R { get; init; }

    public double LoraAlpha { get; init; }

    /// <summary>A list of module names, a regular expression over module paths, or <see cref="AllLinear"/>.</summary>
    public JsonElement TargetModules { get; init; }

    public bool UseRslora { get; init; }

    public bool UseDora { get; init; }

    public bool FanInFanOut { get; init; }

    public string? Bias { get; init; }

    public IReadOnlyList<string>? ModulesToSave { get; init; }

    /// <summary>Per-module alpha, keyed by a pattern over module paths; the rank comes from the tensors.</summary>
    public IReadOnlyDictionary<string, double>? AlphaPattern { get; init; }

    public string? BaseModelNameOrPath { get; init; }

    /// <summary>Reads and checks the folder's config.</summary>
    /// <exception cref="AdapterLoadException">The file is missing or invalid, or asks for what Herd does not apply.</exception>
    public static AdapterConfig Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            throw new AdapterLoadException($"{folder} has no {FileName}: an adapter folder holds {FileName} and {PeftAdapter.WeightsFileName}, as PEFT saves them.");
        }

        AdapterConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<AdapterConfig>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException error)
        {
            throw new AdapterLoadException($"{path} is not a valid {FileName}: {error.Message}", error);
        }

        if (config is null)
        {
            throw new AdapterLoadException($"{path} is not a valid {FileName}: it holds null.");
        }

        config.Check(path);
        return config;
    }

    /// <summary>The update's scale for a module of <paramref name="rank"/>: alpha / rank, or alpha / sqrt(rank) with rsLoRA.</summary>
    public double Scale(LoraModule module, int layer, long rank)
    {
        var alpha = LoraAlpha;
        foreach (var (pattern, patternAlpha) in AlphaPattern ?? new Dictionary<string, double>())
        {
            // PEFT's rule: the key matches the module path's end, at a dot.
            if (Regex.IsMatch(ModulePath(module, layer), $"(^|\\.){pattern}$", RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                alpha = patternAlpha;
                break;
            }
        }

        return LoraMatrices.ScaleOf(alpha, rank, UseRslora);
    }

    /// <summary>The module's path inside the model, as PEFT matches patterns against it.</summary>
    public static string ModulePath(LoraModule module, int layer) => $"model.layers.{layer}.{module.PathInLayer()}";

    private void Check(string path)
    {
        void Require(bool condition, string problem)
        {
            if (!condition)
            {
                throw new AdapterLoadException($"{path}: {problem}");
            }
        }

        Require(PeftType == "LORA", $"peft_type is '{PeftType}'; Herd applies LoRA adapters only (peft_type \"LORA\").");
        Require(R > 0, $"r is {R}; a LoRA adapter's rank is at least 1.");
        Require(LoraAlpha > 0, $"lora_alpha is {LoraAlpha}; it must be above 0.");
        Require(!UseDora, "use_dora is true; Herd applies plain LoRA, not DoRA. Merge the adapter into the model instead.");
        Require(!FanInFanOut, "fan_in_fan_out is true, which only GPT-2-style Conv1D layers use; Llama-family models store [out, in] weights.");
        Require(Bias is null or "none", $"bias is '{Bias}'; Herd applies adapters that train no biases (bias \"none\").");
        Require(ModulesToSave is null || ModulesToSave.Count == 0,
            $"modules_to_save lists {string.Join(", ", ModulesToSave ?? [])}: whole modules saved with the adapter replace the base model's, which Herd does not do per request.");
        if (TargetModules.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in TargetModules.EnumerateArray())
            {
                Require(name.ValueKind == JsonValueKind.String && LoraModules.Parse(name.GetString()!) is not null,
                    $"target_modules names {name}; Herd adapts {string.Join(", ", LoraModules.All.Select(module => module.Name()))}.");
            }
        }
        else
        {
            Require(TargetModules.ValueKind == JsonValueKind.String, "target_modules is missing: give a list of module names, a pattern, or \"all-linear\".");
            try
            {
                _ = Regex.IsMatch("", TargetModules.GetString()!, RegexOptions.None, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException error)
            {
                throw new AdapterLoadException($"{path}: target_modules '{TargetModules.GetString()}' is not a valid regular expression: {error.Message}", error);
            }
        }
    }
}
