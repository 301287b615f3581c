using System.Text.Json.Serialization;

namespace Herd.Gateway.Prompts.Repository;

/// <summary>A variable as <c>prompt_versions.variables_json</c> keeps it.</summary>
internal sealed record StoredVariable(string Name, string Default);

/// <summary>A chain step as <c>prompt_versions.steps_json</c> keeps it.</summary>
internal sealed record StoredStep(string Prompt, string? Version, string? Output);

/// <summary>How the JSON columns of a prompt version are written; generated, so no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<StoredVariable>))]
[JsonSerializable(typeof(List<StoredStep>))]
internal sealed partial class StoredPartsJson : JsonSerializerContext;
