using System.Text.Json;

namespace Herd.Gateway.Api.Http.LlmApi;

/// <summary>What langchain-llm-api's embeddings send to <c>/embeddings</c>: one text.</summary>
public sealed class EmbedTextBody
{
    public string? Text { get; set; }

    /// <summary>Herd's <c>model</c> and <c>priority</c>, as <see cref="GenerateBody.Params"/> takes them; others are ignored.</summary>
    public Dictionary<string, JsonElement>? Params { get; set; }
}
