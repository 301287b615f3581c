using System.Globalization;
using System.Text.Json;
using Herd.Contracts.V1;
using Herd.Gateway.Api.Http.OpenAi;
using Herd.Gateway.Failures;

namespace Herd.Gateway.Api.Http.LlmApi;

/// <summary>Turns llm-api's <c>{"prompt", "params"}</c> and <c>{"text"}</c> bodies into Herd's requests.</summary>
public static class LlmApiRequests
{
    /// <summary>The model a body names in <c>params.model</c>; null when it names none.</summary>
    /// <exception cref="OpenAiRequestException"><c>params.model</c> is not a string.</exception>
    public static string? NamedModel(Dictionary<string, JsonElement>? parameters) =>
        parameters is null ? null : String(parameters, "model");

    /// <param name="servedModels">The models the herd serves: the one used when <c>params.model</c> is not given and there is just one.</param>
    /// <exception cref="OpenAiRequestException">The body is malformed or names no model where several are served.</exception>
    public static CompletionRequest Embed(EmbedTextBody body, IReadOnlyList<string> servedModels)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(servedModels);
        if (string.IsNullOrEmpty(body.Text))
        {
            throw Invalid("text must be a non-empty string.", "text");
        }

        var parameters = body.Params ?? [];
        var embed = new EmbedInput();
        embed.Texts.Add(body.Text);
        return new CompletionRequest { Model = ModelOf(parameters, servedModels), Embed = embed, Priority = Int(parameters, "priority") ?? 0 };
    }

    /// <param name="servedModels">The models the herd serves: the one used when <c>params.model</c> is not given and there is just one.</param>
    /// <exception cref="OpenAiRequestException">The body is malformed or names no model where several are served.</exception>
    public static CompletionRequest Generate(GenerateBody body, IReadOnlyList<string> servedModels)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(servedModels);
        if (string.IsNullOrEmpty(body.Prompt))
        {
            throw Invalid("prompt must be a non-empty string.", "prompt");
        }

        var parameters = body.Params ?? [];
        var model = ModelOf(parameters, servedModels);
        var sampling = new SamplingParams();
        if ((Int(parameters, "n_predict") ?? Int(parameters, "max_tokens")) is { } maxTokens)
        {
            sampling.MaxTokens = maxTokens;
        }

        if ((Float(parameters, "temp") ?? Float(parameters, "temperature")) is { } temperature)
        {
            sampling.Temperature = temperature;
        }

        if (Int(parameters, "top_k") is { } topK)
        {
            sampling.TopK = topK;
        }

        if (Float(parameters, "top_p") is { } topP)
        {
            sampling.TopP = topP;
        }

        if ((Float(parameters, "repeat_penalty") ?? Float(parameters, "repetition_penalty")) is { } penalty)
        {
            sampling.RepetitionPenalty = penalty;
        }

        if (Int(parameters, "seed") is { } seed and >= 0)
        {
            sampling.Seed = (ulong)seed;
        }

        if (parameters.TryGetValue("stop", out var stop) && stop.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in stop.EnumerateArray())
            {
                sampling.Stop.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Invalid("params.stop must be a list of strings.", "params.stop"));
            }
        }

        return new CompletionRequest { Model = model, Prompt = body.Prompt, Sampling = sampling, Priority = Int(parameters, "priority") ?? 0 };
    }

    private static string ModelOf(Dictionary<string, JsonElement> parameters, IReadOnlyList<string> servedModels) =>
        String(parameters, "model") ?? (servedModels.Count == 1
            ? servedModels[0]
            : throw Invalid($"params.model must name the model: the herd serves {(servedModels.Count == 0 ? "none now" : string.Join(", ", servedModels))}.", "params.model"));

    private static string? String(Dictionary<string, JsonElement> parameters, string name) =>
        !parameters.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString() : throw Invalid($"params.{name} must be a string.", "params." + name);

    private static int? Int(Dictionary<string, JsonElement> parameters, string name) =>
        !parameters.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number
        : throw Invalid(string.Create(CultureInfo.InvariantCulture, $"params.{name} must be a whole number."), "params." + name);

    private static float? Float(Dictionary<string, JsonElement> parameters, string name) =>
        !parameters.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.Number && value.TryGetSingle(out var number) ? number
        : throw Invalid($"params.{name} must be a number.", "params." + name);

    private static OpenAiRequestException Invalid(string message, string param) => OpenAiRequestException.Invalid(message, param);
}
