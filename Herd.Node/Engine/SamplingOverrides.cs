namespace Herd.Node.Engine;

/// <summary>
/// What a caller sets of a request's sampling; every unset (null) field keeps the model's default.
/// The command line and the gateway link both describe requests this way.
/// </summary>
public sealed record SamplingOverrides
{
    public float? Temperature { get; init; }

    public int? TopK { get; init; }

    public float? TopP { get; init; }

    public float? MinP { get; init; }

    public float? RepetitionPenalty { get; init; }

    public float? FrequencyPenalty { get; init; }

    public float? PresencePenalty { get; init; }

    public ulong? Seed { get; init; }

    public int? MaxTokens { get; init; }

    public IReadOnlyList<string>? Stop { get; init; }

    public int? TopLogprobs { get; init; }

    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>The model's defaults with every field set here replacing the default's.</summary>
    public SamplingParameters ApplyTo(SamplingParameters defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        return defaults with
        {
            Temperature = Temperature ?? defaults.Temperature,
            TopK = TopK ?? defaults.TopK,
            TopP = TopP ?? defaults.TopP,
            MinP = MinP ?? defaults.MinP,
            RepetitionPenalty = RepetitionPenalty ?? defaults.RepetitionPenalty,
            FrequencyPenalty = FrequencyPenalty ?? defaults.FrequencyPenalty,
            PresencePenalty = PresencePenalty ?? defaults.PresencePenalty,
            Seed = Seed ?? defaults.Seed,
            MaxTokens = MaxTokens ?? defaults.MaxTokens,
            Stop = Stop ?? defaults.Stop,
            TopLogprobs = TopLogprobs ?? defaults.TopLogprobs,
            LogitBias = LogitBias ?? defaults.LogitBias,
        };
    }
}
