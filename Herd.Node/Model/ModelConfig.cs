using System.Text.Json;
using System.Text.Json.Serialization;

namespace Herd.Node.Model;

/// <summary>
/// A model's <c>config.json</c>, field for field as Hugging Face writes it for the supported
/// architectures, plus the few derived values the engine needs.
/// </summary>
public sealed record ModelConfig
{
    public const string FileName = "config.json";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    private static readonly Dictionary<string, ModelArchitecture> KnownArchitectures = new(StringComparer.Ordinal)
    {
        ["LlamaForCausalLM"] = ModelArchitecture.Llama,
        ["MistralForCausalLM"] = ModelArchitecture.Mistral,
        ["Qwen2ForCausalLM"] = ModelArchitecture.Qwen2,
    };

    public IReadOnlyList<string> Architectures { get; init; } = [];

    public string? ModelType { get; init; }

    public int VocabSize { get; init; }

    public int HiddenSize { get; init; }

    public int IntermediateSize { get; init; }

    public int NumHiddenLayers { get; init; }

    public int NumAttentionHeads { get; init; }

    public int? NumKeyValueHeads { get; init; }

    public int? HeadDim { get; init; }

    public int MaxPositionEmbeddings { get; init; } = 2048;

    public double RmsNormEps { get; init; } = 1e-6;

    public double RopeTheta { get; init; } = 10000;

    public RopeScaling? RopeScaling { get; init; }

    public bool TieWordEmbeddings { get; init; }

    /// <summary>Llama's switch for biases on the attention projections; Qwen2 always has q, k and v biases.</summary>
    public bool AttentionBias { get; init; }

    /// <summary>Llama's switch for biases on the MLP projections; not supported.</summary>
    public bool MlpBias { get; init; }

    public string HiddenAct { get; init; } = "silu";

    [JsonConverter(typeof(TokenIdListConverter))]
    public IReadOnlyList<int> BosTokenId { get; init; } = [];

    [JsonConverter(typeof(TokenIdListConverter))]
    public IReadOnlyList<int> EosTokenId { get; init; } = [];

    public string? TorchDtype { get; init; }

    public int? SlidingWindow { get; init; }

    /// <summary>Qwen2 writes a window but applies it only when this is set.</summary>
    public bool? UseSlidingWindow { get; init; }

    [JsonIgnore]
    public ModelArchitecture Architecture =>
        Architectures.Select(name => KnownArchitectures.TryGetValue(name, out var known) ? known : (ModelArchitecture?)null)
            .FirstOrDefault(known => known is not null)
        ?? throw new ModelLoadException(
            $"Unsupported architecture '{string.Join(", ", Architectures)}'. Herd runs {string.Join(", ", KnownArchitectures.Keys)}.");

    [JsonIgnore]
    public int KeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;

    [JsonIgnore]
    public int HeadDimension => HeadDim ?? HiddenSize / NumAttentionHeads;

    [JsonIgnore]
    public bool HasQkvBias => Architecture == ModelArchitecture.Qwen2 || AttentionBias;

    /// <summary>
    /// The longest sequence the engine serves: the trained length, or the attention window where
    /// one applies (the engine attends over whole sequences, so it serves no more than the window).
    /// </summary>
    [JsonIgnore]
    public int ContextLength
    {
        get
        {
            var windowApplies = Architecture switch
            {
                ModelArchitecture.Mistral => SlidingWindow is not null,
                ModelArchitecture.Qwen2 => UseSlidingWindow == true && SlidingWindow is not null,
                _ => false,
            };
            return windowApplies ? Math.Min(MaxPositionEmbeddings, SlidingWindow!.Value) : MaxPositionEmbeddings;
        }
    }

    /// <summary>Reads and checks <c>config.json</c> in <paramref name="modelFolder"/>.</summary>
    /// <exception cref="ModelLoadException">The file is missing, malformed or describes a model Herd cannot run.</exception>
    public static ModelConfig Load(string modelFolder)
    {
        var path = Path.Combine(modelFolder, FileName);
        if (!File.Exists(path))
        {
            throw new ModelLoadException($"{path} does not exist: a model folder needs a Hugging Face config.json.");
        }

        ModelConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<ModelConfig>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException error)
        {
            throw new ModelLoadException($"{path} is not a valid config.json: {error.Message}", error);
        }

        return (config ?? throw new ModelLoadException($"{path} is empty.")).Validated(path);
    }

    public void Save(string modelFolder) =>
        File.WriteAllText(Path.Combine(modelFolder, FileName), JsonSerializer.Serialize(this, JsonOptions));

    private ModelConfig Validated(string path)
    {
        _ = Architecture;
        Require(VocabSize > 0, "vocab_size must be positive");
        Require(HiddenSize > 0, "hidden_size must be positive");
        Require(IntermediateSize > 0, "intermediate_size must be positive");
        Require(NumHiddenLayers > 0, "num_hidden_layers must be positive");
        Require(NumAttentionHeads > 0, "num_attention_heads must be positive");
        Require(KeyValueHeads > 0 && NumAttentionHeads % KeyValueHeads == 0,
            "num_key_value_heads must divide num_attention_heads");
        Require(HeadDim is not null || HiddenSize % NumAttentionHeads == 0,
            "hidden_size must be a multiple of num_attention_heads (or head_dim must be given)");
        Require(HeadDimension % 2 == 0, "the head dimension must be even for rotary embeddings");
        Require(MaxPositionEmbeddings > 0, "max_position_embeddings must be positive");
        Require(HiddenAct == "silu", $"hidden_act '{HiddenAct}' is not supported (only silu)");
        Require(!MlpBias, "mlp_bias true is not supported");
        Require(RopeScaling is null || RopeScaling.Kind is "llama3" or "default",
            $"rope_scaling type '{RopeScaling?.Kind}' is not supported (only llama3)");
        return this;

        void Require(bool condition, string problem)
        {
            if (!condition)
            {
                throw new ModelLoadException($"{path}: {problem}.");
            }
        }
    }
}
