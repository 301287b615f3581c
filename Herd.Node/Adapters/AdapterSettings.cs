using System.Text.Json;
using System.Text.Json.Nodes;
using Herd.Node.Model.Lora;

namespace Herd.Node.Adapters;

/// <summary>What an adapter Herd writes says of itself in <c>adapter_config.json</c>.</summary>
/// <param name="BaseModel">The base model's name or path, for whoever loads the adapter elsewhere.</param>
public sealed record AdapterSettings(int Rank, double Alpha, IReadOnlyList<LoraModule> TargetModules, bool UseRslora, string BaseModel)
{
    /// <summary>The config in PEFT's own shape (PEFT reads the fields it knows and defaults the rest).</summary>
    public string ToJson()
    {
        var config = new JsonObject
        {
            ["alpha_pattern"] = new JsonObject(),
            ["base_model_name_or_path"] = BaseModel,
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["layers_pattern"] = null,
            ["layers_to_transform"] = null,
            ["lora_alpha"] = Alpha,
            ["lora_dropout"] = 0.0,
            ["modules_to_save"] = null,
            ["peft_type"] = "LORA",
            ["r"] = Rank,
            ["rank_pattern"] = new JsonObject(),
            ["revision"] = null,
            ["target_modules"] = new JsonArray([.. TargetModules.Select(module => (JsonNode)module.Name())]),
            ["task_type"] = "CAUSAL_LM",
            ["use_dora"] = false,
            ["use_rslora"] = UseRslora,
        };
        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
