using System.Text.Json;

namespace Herd.Gateway.Api.Http.LlmApi;

/// <summary>What langchain-llm-api's <c>LLMAPI</c> sends to <c>/generate</c> and <c>/agenerate</c>.</summary>
public sealed class GenerateBody
{
    public string? Prompt { get; set; }

    /// <summary>
    /// llm-api's parameters: <c>n_predict</c> (or <c>max_tokens</c>), <c>temp</c> (or
    /// <c>temperature</c>), <c>top_k</c>, <c>top_p</c>, <c>repeat_penalty</c>, <c>seed</c>,
    /// <c>stop</c>, and Herd's <c>model</c> and <c>priority</c>; others are ignored.
    /// </summary>
    public Dictionary<string, JsonElement>? Params { get; set; }
}
