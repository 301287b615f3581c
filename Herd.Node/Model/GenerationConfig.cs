using System.Text.Json;
using System.Text.Json.Serialization;

namespace Herd.Node.Model;

/// <summary>
/// A model's <c>generation_config.json</c>: its end-of-sequence tokens and the sampling defaults
/// its authors recommend. Every field is optional, and so is the file.
/// </summary>
public sealed record GenerationConfig
{
    public const string FileName = "generation_config.json";

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    [JsonConverter(typeof(TokenIdListConverter))]
    public IReadOnlyList<int> BosTokenId { get; init; } = [];

    [JsonConverter(typeof(TokenIdListConverter))]
    public IReadOnlyList<int> EosTokenId { get; init; } = [];

    /// <summary>False means the authors intend greedy decoding.</summary>
    public bool? DoSample { get; init; }

    public float? Temperature { get; init; }

    public float? TopP { get; init; }

    public int? TopK { get; init; }

    public float? MinP { get; init; }

    public float? RepetitionPenalty { get; init; }

    /// <summary>Reads the file if the folder has one; a folder without it gets empty defaults.</summary>
    /// <exception cref="ModelLoadException">The file exists but is not valid.</exception>
    public static GenerationConfig Load(string modelFolder)
    {
        var path = Path.Combine(modelFolder, FileName);
        if (!File.Exists(path))
        {
            return new GenerationConfig();
        }

        try
        {
            return JsonSerializer.Deserialize<GenerationConfig>(File.ReadAllText(path), JsonOptions) ?? new GenerationConfig();
        }
        catch (JsonException error)
        {
            throw new ModelLoadException($"{path} is not a valid generation_config.json: {error.Message}", error);
        }
    }
}
