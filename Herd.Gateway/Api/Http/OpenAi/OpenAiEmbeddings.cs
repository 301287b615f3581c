using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Completions;
using Herd.Gateway.Failures;

namespace Herd.Gateway.Api.Http.OpenAi;

/// <summary>
/// <c>POST /v1/embeddings</c>: the texts go to a node as one embeddings job through the same
/// queue, limits, fees and ledger as a completion, and come back as float lists or, as OpenAI's
/// clients ask by default, base64 strings of little-endian float32 values.
/// </summary>
public static class OpenAiEmbeddings
{
    /// <exception cref="OpenAiRequestException">The body asks for something Herd cannot do, or is malformed.</exception>
    public static CompletionRequest Request(EmbeddingBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body.Dimensions is not null)
        {
            throw Invalid("Herd returns the model's own hidden size and does not shorten embeddings; leave dimensions out.", "dimensions");
        }

        var embed = new EmbedInput();
        embed.Texts.AddRange(Texts(body.Input));
        return new CompletionRequest { Model = body.Model ?? string.Empty, Embed = embed, Priority = body.Priority ?? 0 };
    }

    /// <exception cref="RequestFailedException">Why the request was refused or did not finish.</exception>
    public static async Task AnswerAsync(HttpContext http, CompletionRunner runner, EmbeddingBody body, Caller? caller)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(body);
        var base64 = IsBase64(body);
        var request = Request(body);
        var done = await EmbeddingRuns.RunAsync(runner, request, caller, http.RequestAborted).ConfigureAwait(false);
        var usage = new EmbeddingUsage(done.Usage?.PromptTokens ?? 0);
        if (base64)
        {
            var encoded = new Base64EmbeddingList([.. done.Embeddings.Select((vector, index) => new Base64EmbeddingItem(index, Base64(vector)))], request.Model, usage);
            await http.Response.WriteAsJsonAsync(encoded, HttpJson.Default.Base64EmbeddingList, contentType: null, http.RequestAborted).ConfigureAwait(false);
            return;
        }

        var floats = new EmbeddingList([.. done.Embeddings.Select((vector, index) => new EmbeddingItem(index, [.. vector.Values]))], request.Model, usage);
        await http.Response.WriteAsJsonAsync(floats, HttpJson.Default.EmbeddingList, contentType: null, http.RequestAborted).ConfigureAwait(false);
    }

    private static bool IsBase64(EmbeddingBody body) => body.EncodingFormat switch
    {
        null or "float" => false,
        "base64" => true,
        _ => throw Invalid($"encoding_format must be float or base64, not '{body.EncodingFormat}'.", "encoding_format"),
    };

    private static List<string> Texts(JsonElement? input)
    {
        switch (input)
        {
            case { ValueKind: JsonValueKind.String } text:
                return [text.GetString()!];
            case { ValueKind: JsonValueKind.Array } array when array.GetArrayLength() is > 0 and <= CompletionRequestValidator.MaxEmbedTexts:
                var texts = new List<string>(array.GetArrayLength());
                foreach (var item in array.EnumerateArray())
                {
                    texts.Add(item.ValueKind == JsonValueKind.String
                        ? item.GetString()!
                        : throw Invalid("input must be a string or an array of strings; Herd does not take token ids.", "input"));
                }

                return texts;
            case { ValueKind: JsonValueKind.Array } array:
                throw Invalid(string.Create(CultureInfo.InvariantCulture,
                    $"input must hold 1 to {CompletionRequestValidator.MaxEmbedTexts} texts, not {array.GetArrayLength()}."), "input");
            default:
                throw Invalid("input must be a string or a non-empty array of strings.", "input");
        }
    }

    private static string Base64(Embedding vector)
    {
        var bytes = new byte[vector.Values.Count * sizeof(float)];
        for (var i = 0; i < vector.Values.Count; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector.Values[i]);
        }

        return Convert.ToBase64String(bytes);
    }

    private static OpenAiRequestException Invalid(string message, string param) => OpenAiRequestException.Invalid(message, param);
}
