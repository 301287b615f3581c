namespace Herd.Node.Engine;

/// <summary>How one sequence picks its tokens and when it stops. Build with defaults and <c>with</c>.</summary>
public sealed record SamplingParameters
{
    public const int MaxTopLogprobs = 20;
    public const int MaxStopSequences = 16;
    public const int MaxStopSequenceLength = 256;
    public const float MaxLogitBias = 100f;

    /// <summary>0 takes the most likely token (greedy); higher flattens the distribution.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keep only the k most likely tokens; 0 keeps all.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of tokens whose probability adds up to at least this.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Drop tokens less likely than this fraction of the most likely one.</summary>
    public float MinP { get; init; }

    /// <summary>Divides positive (multiplies negative) logits of tokens already in the prompt or output; 1 is off.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>Subtracted from a token's logit once per time it was generated.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>Subtracted from a token's logit if it was generated at all.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>Makes sampling reproducible; unset draws a fresh seed.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Most tokens to generate; unset means as many as the context allows.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Generation ends before any of these texts; they are not emitted.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>How many most likely alternatives to report per token, with the chosen token's log-probability.</summary>
    public int TopLogprobs { get; init; }

    /// <summary>Also report log-probabilities when <see cref="TopLogprobs"/> is 0.</summary>
    public bool Logprobs { get; init; }

    /// <summary>
    /// Added to the logits of these token ids before anything else, greedy included (OpenAI's
    /// logit_bias): -100 effectively bans a token, 100 effectively forces it.
    /// </summary>
    public IReadOnlyDictionary<int, float> LogitBias { get; init; } = new Dictionary<int, float>();

    /// <summary>Keep generating past end-of-sequence tokens (for benchmarks that need a set length).</summary>
    public bool IgnoreEndOfSequence { get; init; }

    public bool IsGreedy => Temperature == 0f;

    public bool HasPenalties => RepetitionPenalty != 1f || FrequencyPenalty != 0f || PresencePenalty != 0f;

    public bool WantsLogprobs => Logprobs || TopLogprobs > 0;

    public bool HasLogitBias => LogitBias.Count > 0;

    /// <param name="vocabularySize">The model's vocabulary: the token ids logit_bias may name.</param>
    /// <exception cref="InvalidRequestException">A value is out of range; the message names it and the range.</exception>
    public SamplingParameters Validated(int vocabularySize)
    {
        Require(float.IsFinite(Temperature) && Temperature >= 0, $"temperature must be 0 (greedy) or more, not {Temperature}");
        Require(TopK >= 0, $"top_k must be 0 (off) or more, not {TopK}");
        Require(float.IsFinite(TopP) && TopP > 0 && TopP <= 1, $"top_p must be in (0, 1], not {TopP}");
        Require(float.IsFinite(MinP) && MinP >= 0 && MinP <= 1, $"min_p must be in [0, 1], not {MinP}");
        Require(float.IsFinite(RepetitionPenalty) && RepetitionPenalty > 0, $"repetition_penalty must be more than 0 (1 is off), not {RepetitionPenalty}");
        Require(float.IsFinite(FrequencyPenalty) && Math.Abs(FrequencyPenalty) <= 2, $"frequency_penalty must be in [-2, 2], not {FrequencyPenalty}");
        Require(float.IsFinite(PresencePenalty) && Math.Abs(PresencePenalty) <= 2, $"presence_penalty must be in [-2, 2], not {PresencePenalty}");
        Require(MaxTokens is null || MaxTokens > 0, $"max_tokens must be at least 1, not {MaxTokens}");
        Require(TopLogprobs is >= 0 and <= MaxTopLogprobs, $"top_logprobs must be in [0, {MaxTopLogprobs}], not {TopLogprobs}");
        Require(Stop.Count <= MaxStopSequences, $"at most {MaxStopSequences} stop sequences, not {Stop.Count}");
        Require(Stop.All(stop => stop.Length is > 0 and <= MaxStopSequenceLength),
            $"each stop sequence must have 1 to {MaxStopSequenceLength} characters");
        foreach (var (tokenId, bias) in LogitBias)
        {
            Require(tokenId >= 0 && tokenId < vocabularySize,
                $"logit_bias names token id {tokenId}, outside the vocabulary (0 to {vocabularySize - 1})");
            Require(float.IsFinite(bias) && Math.Abs(bias) <= MaxLogitBias,
                $"logit_bias values must be in [-{MaxLogitBias}, {MaxLogitBias}], not {bias} (token id {tokenId})");
        }

        return this;

        static void Require(bool condition, string problem)
        {
            if (!condition)
            {
                throw new InvalidRequestException(problem + ".");
            }
        }
    }
}
