using System.Text.Json.Serialization;
using Herd.Gateway.Api.Http.LlmApi;
using Herd.Gateway.Api.Http.OpenAi;

namespace Herd.Gateway.Api.Http;

/// <summary>
/// The HTTP door's JSON, generated at build time: snake_case names as OpenAI writes them, nulls
/// left out unless a property says otherwise, unknown request fields ignored, numbers and strings
/// read strictly (a wrong type is a 400 naming the field).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    MaxDepth = 32)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(ChatCompletionBody))]
[JsonSerializable(typeof(TextCompletionBody))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(TextCompletion))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelBody))]
[JsonSerializable(typeof(GenerateBody))]
[JsonSerializable(typeof(EmbeddingBody))]
[JsonSerializable(typeof(EmbeddingList))]
[JsonSerializable(typeof(Base64EmbeddingList))]
[JsonSerializable(typeof(EmbedTextBody))]
[JsonSerializable(typeof(float[]))]
public sealed partial class HttpJson : JsonSerializerContext;
