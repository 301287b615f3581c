using System.Text.Json.Serialization;

namespace Herd.Node.Model;

/// <summary>The <c>rope_scaling</c> object of <c>config.json</c>; only Llama 3's <c>llama3</c> type is supported.</summary>
public sealed record RopeScaling
{
    [JsonPropertyName("rope_type")]
    public string? RopeType { get; init; }

    /// <summary>Older configs name the type <c>type</c>.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; init; }

    [JsonPropertyName("factor")]
    public double Factor { get; init; } = 1;

    [JsonPropertyName("low_freq_factor")]
    public double LowFreqFactor { get; init; } = 1;

    [JsonPropertyName("high_freq_factor")]
    public double HighFreqFactor { get; init; } = 4;

    [JsonPropertyName("original_max_position_embeddings")]
    public int OriginalMaxPositionEmbeddings { get; init; } = 8192;

    public string Kind => RopeType ?? Type ?? "default";
}
