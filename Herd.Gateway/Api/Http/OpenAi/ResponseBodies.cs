using System.Text.Json.Serialization;

namespace Herd.Gateway.Api.Http.OpenAi;

public sealed record ChatCompletion(string Id, long Created, string Model, IReadOnlyList<ChatChoice> Choices, UsageBody Usage)
{
    [JsonPropertyName("object")]
    public string ObjectType => "chat.completion";
}

/// <param name="Adapters">Herd's own: the LoRA adapters the choice ran with; left out for a base model.</param>
public sealed record ChatChoice(
    int Index,
    ChatMessageOut Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ChatLogprobs? Logprobs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason,
    IReadOnlyList<AdapterBody>? Adapters = null);

public sealed record ChatMessageOut(string Role, string Content);

public sealed record ChatLogprobs(IReadOnlyList<ChatTokenLogprob> Content);

public sealed record ChatTokenLogprob(string Token, float Logprob, IReadOnlyList<int> Bytes, IReadOnlyList<ChatTopLogprob> TopLogprobs);

public sealed record ChatTopLogprob(string Token, float Logprob, IReadOnlyList<int> Bytes);

/// <summary>One server-sent event of a streamed chat completion.</summary>
/// <param name="Usage">Only on the last chunk, and only when <c>stream_options.include_usage</c> asked for it.</param>
public sealed record ChatCompletionChunk(string Id, long Created, string Model, IReadOnlyList<ChunkChoice> Choices, UsageBody? Usage)
{
    [JsonPropertyName("object")]
    public string ObjectType => "chat.completion.chunk";
}

/// <param name="Adapters">Herd's own, on the chunk with the choice's finish reason: the LoRA adapters it ran with; left out for a base model.</param>
public sealed record ChunkChoice(
    int Index,
    ChunkDelta Delta,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ChatLogprobs? Logprobs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason,
    IReadOnlyList<AdapterBody>? Adapters = null);

public sealed record ChunkDelta(string? Role, string? Content);

/// <summary>A text completion, whole or as one streamed chunk (OpenAI uses the same object for both).</summary>
public sealed record TextCompletion(string Id, long Created, string Model, IReadOnlyList<TextChoice> Choices, UsageBody? Usage)
{
    [JsonPropertyName("object")]
    public string ObjectType => "text_completion";
}

/// <param name="Adapters">Herd's own (whole, or on the streamed chunk with the finish reason): the LoRA adapters the choice ran with; left out for a base model.</param>
public sealed record TextChoice(
    string Text,
    int Index,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] TextLogprobs? Logprobs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason,
    IReadOnlyList<AdapterBody>? Adapters = null);

public sealed record TextLogprobs(
    IReadOnlyList<string> Tokens,
    IReadOnlyList<float> TokenLogprobs,
    IReadOnlyList<Dictionary<string, float>> TopLogprobs,
    IReadOnlyList<int> TextOffset);

/// <summary>Herd's own: one LoRA adapter a choice ran with (<c>CompletionDone.adapters</c>).</summary>
/// <param name="Weight">Its weight in the blend: 1 alone; a routed blend's weights sum to 1.</param>
/// <param name="Expert">For a <c>base:auto</c> model, the expert it was chosen as; left out when named.</param>
/// <param name="Distance">For a <c>base:auto</c> model, the prompt's distance to the expert's centroid.</param>
public sealed record AdapterBody(string Adapter, double Weight, string? Expert, double? Distance)
{
    /// <summary>The adapters of a finished choice; null (left out of the answer) when none ran.</summary>
    public static IReadOnlyList<AdapterBody>? Of(IReadOnlyCollection<Contracts.V1.AdapterUsed> adapters) =>
        adapters.Count == 0
            ? null
            : [.. adapters.Select(adapter => new AdapterBody(adapter.Adapter, adapter.Weight, adapter.Expert.Length > 0 ? adapter.Expert : null, adapter.HasDistance ? adapter.Distance : null))];
}

public sealed record UsageBody(int PromptTokens, int CompletionTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}

/// <summary>The answer of <c>POST /v1/embeddings</c> with each vector as numbers (<c>encoding_format: float</c>, the default).</summary>
public sealed record EmbeddingList(IReadOnlyList<EmbeddingItem> Data, string Model, EmbeddingUsage Usage)
{
    [JsonPropertyName("object")]
    public string ObjectType => "list";
}

public sealed record EmbeddingItem(int Index, float[] Embedding)
{
    [JsonPropertyName("object")]
    public string ObjectType => "embedding";
}

/// <summary>The answer of <c>POST /v1/embeddings</c> with <c>encoding_format: base64</c>.</summary>
public sealed record Base64EmbeddingList(IReadOnlyList<Base64EmbeddingItem> Data, string Model, EmbeddingUsage Usage)
{
    [JsonPropertyName("object")]
    public string ObjectType => "list";
}

/// <param name="Embedding">The vector's little-endian float32 values, base64-encoded.</param>
public sealed record Base64EmbeddingItem(int Index, string Embedding)
{
    [JsonPropertyName("object")]
    public string ObjectType => "embedding";
}

/// <summary>An embeddings call's usage: its texts' tokens, all of them prompt tokens.</summary>
public sealed record EmbeddingUsage(int PromptTokens)
{
    public int TotalTokens => PromptTokens;
}

public sealed record ModelList(IReadOnlyList<ModelBody> Data)
{
    [JsonPropertyName("object")]
    public string ObjectType => "list";
}

/// <param name="Created">When a node serving it was first seen; 0 when unknown.</param>
public sealed record ModelBody(string Id, long Created)
{
    [JsonPropertyName("object")]
    public string ObjectType => "model";

    public string OwnedBy => "herd";
}
