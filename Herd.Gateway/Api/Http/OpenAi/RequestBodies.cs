using System.Text.Json;

namespace Herd.Gateway.Api.Http.OpenAi;

/// <summary>What OpenAI's clients send to <c>POST /v1/chat/completions</c>, with Herd's extras.</summary>
/// <remarks>
/// Fields that may be of more than one type (<c>stop</c>, a message's <c>content</c>) stay JSON
/// here and are read by <see cref="OpenAiRequests"/>; fields Herd cannot honour are kept only to
/// refuse them by name.
/// </remarks>
public sealed class ChatCompletionBody : SamplingBody
{
    public List<ChatMessageBody?>? Messages { get; set; }

    public int? MaxCompletionTokens { get; set; }

    public bool? Logprobs { get; set; }

    public int? TopLogprobs { get; set; }

    public JsonElement? Tools { get; set; }

    public JsonElement? ToolChoice { get; set; }

    public JsonElement? Functions { get; set; }

    public JsonElement? FunctionCall { get; set; }

    public JsonElement? ResponseFormat { get; set; }

    public JsonElement? Audio { get; set; }

    public JsonElement? Modalities { get; set; }

    public JsonElement? Prediction { get; set; }
}

/// <summary>One message of a chat: its <c>content</c> is a string or an array of text parts.</summary>
public sealed class ChatMessageBody
{
    public string? Role { get; set; }

    public JsonElement? Content { get; set; }

    public string? Name { get; set; }

    public JsonElement? ToolCalls { get; set; }
}

/// <summary>What OpenAI's clients send to <c>POST /v1/completions</c>, with Herd's extras.</summary>
public sealed class TextCompletionBody : SamplingBody
{
    /// <summary>A string or an array of strings.</summary>
    public JsonElement? Prompt { get; set; }

    /// <summary>How many most likely alternatives to report per token (0 to 5 in OpenAI's API); null for none.</summary>
    public int? Logprobs { get; set; }

    public bool? Echo { get; set; }

    public string? Suffix { get; set; }

    public int? BestOf { get; set; }

    /// <summary>Herd's: a published prompt to call in place of <see cref="Prompt"/> (see docs/prompts.md).</summary>
    public string? PromptId { get; set; }

    /// <summary>Herd's: the prompt's version; null for the newest the caller may call.</summary>
    public string? PromptVersion { get; set; }

    /// <summary>Herd's: with no version, the newest version on this stage.</summary>
    public string? PromptStage { get; set; }

    /// <summary>Herd's: the prompt's variables; those left out take their defaults.</summary>
    public Dictionary<string, string>? Variables { get; set; }
}

/// <summary>The fields both completion routes share.</summary>
public abstract class SamplingBody
{
    public string? Model { get; set; }

    public int? MaxTokens { get; set; }

    public float? Temperature { get; set; }

    public float? TopP { get; set; }

    public int? N { get; set; }

    /// <summary>A string or an array of strings.</summary>
    public JsonElement? Stop { get; set; }

    public long? Seed { get; set; }

    public float? PresencePenalty { get; set; }

    public float? FrequencyPenalty { get; set; }

    public Dictionary<string, float>? LogitBias { get; set; }

    public string? User { get; set; }

    public bool? Stream { get; set; }

    public StreamOptionsBody? StreamOptions { get; set; }

    /// <summary>Herd's own: 0 or unset for no top-k cut.</summary>
    public int? TopK { get; set; }

    /// <summary>Herd's own.</summary>
    public float? MinP { get; set; }

    /// <summary>Herd's own: 1 is off.</summary>
    public float? RepetitionPenalty { get; set; }

    /// <summary>Herd's own: higher runs first, within the role's ceiling.</summary>
    public int? Priority { get; set; }

    /// <summary>Herd's own: for a <c>base:auto</c> model, how many of the nearest experts to blend (0 or unset: one).</summary>
    public int? TopExperts { get; set; }
}

/// <summary>What OpenAI's clients send to <c>POST /v1/embeddings</c>, with Herd's <c>priority</c>.</summary>
public sealed class EmbeddingBody
{
    public string? Model { get; set; }

    /// <summary>A string or an array of strings (OpenAI also takes token ids, which Herd refuses by name).</summary>
    public JsonElement? Input { get; set; }

    /// <summary><c>float</c> (the default) or <c>base64</c>: little-endian float32 values.</summary>
    public string? EncodingFormat { get; set; }

    /// <summary>Kept only to refuse it: Herd returns the model's own hidden size.</summary>
    public int? Dimensions { get; set; }

    public string? User { get; set; }

    /// <summary>Herd's own: higher runs first, within the role's ceiling.</summary>
    public int? Priority { get; set; }
}

public sealed class StreamOptionsBody
{
    public bool? IncludeUsage { get; set; }
}
