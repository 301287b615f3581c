using System.Globalization;
using System.Text.Json;
using Herd.Contracts.V1;
using Herd.Gateway.Failures;

namespace Herd.Gateway.Api.Http.OpenAi;

/// <summary>
/// Turns OpenAI request bodies into Herd's completion requests, refusing by name what Herd cannot
/// honour (tools, structured output, images, audio) rather than dropping it silently. What the
/// request path checks for every door (ranges, lengths) it leaves to the validator there.
/// </summary>
public static class OpenAiRequests
{
    /// <summary>The most choices one call may ask for (<c>n</c> times the number of prompts).</summary>
    public const int MaxChoices = 16;

    /// <summary>OpenAI's limit on alternatives per token in <c>/v1/completions</c>.</summary>
    public const int MaxTextLogprobs = 5;

    /// <summary>OpenAI's default <c>max_tokens</c> for <c>/v1/completions</c>; chat has none.</summary>
    public const int DefaultTextMaxTokens = 16;

    /// <exception cref="OpenAiRequestException">The body asks for something Herd cannot do, or is malformed.</exception>
    public static OpenAiCall Chat(ChatCompletionBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        RefuseIfSet(body.Tools, "tools", "Herd does not run tools or functions; send the conversation without them.");
        RefuseIfSet(body.ToolChoice, "tool_choice", "Herd does not run tools or functions; send the conversation without them.");
        RefuseIfSet(body.Functions, "functions", "Herd does not run tools or functions; send the conversation without them.");
        RefuseIfSet(body.FunctionCall, "function_call", "Herd does not run tools or functions; send the conversation without them.");
        RefuseIfSet(body.Audio, "audio", "Herd answers in text only.");
        RefuseIfSet(body.Prediction, "prediction", "Herd does not take predicted outputs.");
        if (body.Modalities is { ValueKind: JsonValueKind.Array } modalities && modalities.EnumerateArray().Any(modality => modality.ValueKind != JsonValueKind.String || modality.GetString() != "text"))
        {
            throw Invalid("Herd answers in text only: modalities may only be [\"text\"].", "modalities");
        }

        if (body.ResponseFormat is { ValueKind: JsonValueKind.Object } format
            && (!format.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "text"))
        {
            throw Invalid("Herd does not constrain output to JSON or a schema: response_format may only be {\"type\": \"text\"}.", "response_format");
        }

        if (body.Messages is not { Count: > 0 } messages)
        {
            throw Invalid("messages must hold at least one message.", "messages");
        }

        var chat = new ChatMessages();
        for (var i = 0; i < messages.Count; i++)
        {
            chat.Messages.Add(Message(messages[i], i));
        }

        var topLogprobs = body.Logprobs == true ? body.TopLogprobs ?? 0 : (int?)null;
        if (body.Logprobs != true && body.TopLogprobs is not null and not 0)
        {
            throw Invalid("top_logprobs needs logprobs: true.", "top_logprobs");
        }

        var maxTokens = body.MaxCompletionTokens ?? body.MaxTokens;
        var sampling = Sampling(body, maxTokens, topLogprobs);
        var n = ChoicesPerPrompt(body.N, prompts: 1);
        var choices = Enumerable.Range(0, n).Select(_ => new CompletionRequest
        {
            Model = body.Model ?? string.Empty,
            Chat = chat,
            Sampling = sampling,
            Priority = body.Priority ?? 0,
            TopExperts = body.TopExperts ?? 0,
        }).ToList();
        return new OpenAiCall(OpenAiRoute.Chat, body.Model ?? string.Empty, choices, body.Stream == true, body.StreamOptions?.IncludeUsage == true, topLogprobs);
    }

    /// <exception cref="OpenAiRequestException">The body asks for something Herd cannot do, or is malformed.</exception>
    public static OpenAiCall Text(TextCompletionBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body.Echo == true)
        {
            throw Invalid("Herd does not echo the prompt; send echo: false or leave it out.", "echo");
        }

        if (!string.IsNullOrEmpty(body.Suffix))
        {
            throw Invalid("Herd does not fill in between a prompt and a suffix; leave suffix out.", "suffix");
        }

        if (body.BestOf is { } bestOf && bestOf != (body.N ?? 1))
        {
            throw Invalid("Herd does not rank candidates: best_of may only equal n.", "best_of");
        }

        if (body.Logprobs is < 0 or > MaxTextLogprobs)
        {
            throw Invalid(string.Create(CultureInfo.InvariantCulture, $"logprobs must be in [0, {MaxTextLogprobs}], not {body.Logprobs}."), "logprobs");
        }

        if (body.PromptId is not null)
        {
            return PromptCall(body);
        }

        var prompts = Prompts(body.Prompt);
        var sampling = Sampling(body, body.MaxTokens ?? DefaultTextMaxTokens, body.Logprobs);
        var n = ChoicesPerPrompt(body.N, prompts.Count);
        var choices = prompts.SelectMany(prompt => Enumerable.Range(0, n).Select(_ => new CompletionRequest
        {
            Model = body.Model ?? string.Empty,
            Prompt = prompt,
            Sampling = sampling,
            Priority = body.Priority ?? 0,
            TopExperts = body.TopExperts ?? 0,
        })).ToList();
        return new OpenAiCall(OpenAiRoute.Text, body.Model ?? string.Empty, choices, body.Stream == true, body.StreamOptions?.IncludeUsage == true, body.Logprobs);
    }

    /// <summary>
    /// A call of a published prompt: its text comes from the prompt's template, and what the body
    /// leaves unset (max_tokens included) from the prompt's defaults. The answer names the model
    /// asked for, or the prompt's id when the prompt chose it.
    /// </summary>
    private static OpenAiCall PromptCall(TextCompletionBody body)
    {
        if (body.Prompt is { ValueKind: not JsonValueKind.Null } prompt && !(prompt.ValueKind == JsonValueKind.String && prompt.GetString()!.Length == 0))
        {
            throw Invalid("Send prompt_id or prompt, not both: a published prompt brings its own text (prompt may be \"\").", "prompt");
        }

        var call = new Contracts.V1.PromptCall
        {
            Id = body.PromptId ?? string.Empty,
            Version = body.PromptVersion ?? string.Empty,
            Stage = body.PromptStage ?? string.Empty,
        };
        if (body.Variables is { } variables)
        {
            call.Variables.Add(variables);
        }

        var sampling = Sampling(body, body.MaxTokens, body.Logprobs);
        var n = ChoicesPerPrompt(body.N, prompts: 1);
        var choices = Enumerable.Range(0, n).Select(_ => new CompletionRequest
        {
            Model = body.Model ?? string.Empty,
            PromptCall = call,
            Sampling = sampling,
            Priority = body.Priority ?? 0,
            TopExperts = body.TopExperts ?? 0,
        }).ToList();
        var model = string.IsNullOrEmpty(body.Model) ? call.Id : body.Model;
        return new OpenAiCall(OpenAiRoute.Text, model, choices, body.Stream == true, body.StreamOptions?.IncludeUsage == true, body.Logprobs);
    }

    private static SamplingParams Sampling(SamplingBody body, int? maxTokens, int? topLogprobs)
    {
        var sampling = new SamplingParams();
        if (body.Temperature is { } temperature)
        {
            sampling.Temperature = temperature;
        }

        if (body.TopP is { } topP)
        {
            sampling.TopP = topP;
        }

        if (body.TopK is { } topK)
        {
            sampling.TopK = topK;
        }

        if (body.MinP is { } minP)
        {
            sampling.MinP = minP;
        }

        if (body.RepetitionPenalty is { } repetitionPenalty)
        {
            sampling.RepetitionPenalty = repetitionPenalty;
        }

        if (body.FrequencyPenalty is { } frequencyPenalty)
        {
            sampling.FrequencyPenalty = frequencyPenalty;
        }

        if (body.PresencePenalty is { } presencePenalty)
        {
            sampling.PresencePenalty = presencePenalty;
        }

        if (body.Seed is { } seed)
        {
            sampling.Seed = unchecked((ulong)seed);
        }

        if (maxTokens is { } max)
        {
            sampling.MaxTokens = max;
        }

        // The node reports a token's own logprob only beside its alternatives: ask for one at least.
        sampling.TopLogprobs = topLogprobs is { } top ? Math.Max(1, top) : 0;
        sampling.Stop.AddRange(Stops(body.Stop));
        foreach (var (token, bias) in body.LogitBias ?? [])
        {
            if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var tokenId))
            {
                throw Invalid($"logit_bias keys must be token ids, not '{token}'.", "logit_bias");
            }

            sampling.LogitBias[tokenId] = bias;
        }

        return sampling;
    }

    private static ChatMessage Message(ChatMessageBody? message, int index)
    {
        var field = string.Create(CultureInfo.InvariantCulture, $"messages[{index}]");
        if (message is null)
        {
            throw Invalid($"{field} must be a message object.", field);
        }

        RefuseIfSet(message.ToolCalls, field + ".tool_calls", "Herd does not run tools or functions; send the conversation without them.");
        var role = message.Role switch
        {
            "system" or "developer" => "system",
            "user" => "user",
            "assistant" => "assistant",
            "tool" or "function" => throw Invalid("Herd does not run tools or functions, so a conversation may not hold their results.", field + ".role"),
            _ => throw Invalid($"{field}.role must be system, developer, user or assistant.", field + ".role"),
        };
        return new ChatMessage { Role = role, Content = Content(message.Content, field + ".content") };
    }

    /// <summary>A message's text: a string, or the text parts of an array joined by new lines.</summary>
    private static string Content(JsonElement? content, string field)
    {
        switch (content)
        {
            case null or { ValueKind: JsonValueKind.Null }:
                return string.Empty;
            case { ValueKind: JsonValueKind.String } text:
                return text.GetString()!;
            case { ValueKind: JsonValueKind.Array } parts:
                var texts = new List<string>();
                var i = 0;
                foreach (var part in parts.EnumerateArray())
                {
                    var partField = string.Create(CultureInfo.InvariantCulture, $"{field}[{i++}]");
                    if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                    {
                        throw Invalid($"{partField} must be a content part with a type.", partField);
                    }

                    if (type.GetString() != "text")
                    {
                        throw Invalid($"{partField} is of type '{type.GetString()}'; Herd's models read text only.", partField);
                    }

                    if (!part.TryGetProperty("text", out var partText) || partText.ValueKind != JsonValueKind.String)
                    {
                        throw Invalid($"{partField}.text must be a string.", partField + ".text");
                    }

                    texts.Add(partText.GetString()!);
                }

                return string.Join('\n', texts);
            default:
                throw Invalid($"{field} must be a string or an array of text parts.", field);
        }
    }

    private static List<string> Prompts(JsonElement? prompt)
    {
        switch (prompt)
        {
            case { ValueKind: JsonValueKind.String } text:
                return [text.GetString()!];
            case { ValueKind: JsonValueKind.Array } array when array.GetArrayLength() > 0:
                var prompts = new List<string>();
                foreach (var item in array.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        throw Invalid("prompt must be a string or an array of strings; Herd does not take token ids.", "prompt");
                    }

                    prompts.Add(item.GetString()!);
                }

                return prompts;
            default:
                throw Invalid("prompt must be a string or a non-empty array of strings.", "prompt");
        }
    }

    private static IEnumerable<string> Stops(JsonElement? stop) => stop switch
    {
        null or { ValueKind: JsonValueKind.Null } => [],
        { ValueKind: JsonValueKind.String } text => [text.GetString()!],
        { ValueKind: JsonValueKind.Array } array when array.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String) =>
            [.. array.EnumerateArray().Select(item => item.GetString()!)],
        _ => throw Invalid("stop must be a string or an array of strings.", "stop"),
    };

    private static int ChoicesPerPrompt(int? n, int prompts)
    {
        var perPrompt = n ?? 1;
        if (perPrompt < 1 || (long)perPrompt * prompts > MaxChoices)
        {
            throw Invalid(string.Create(CultureInfo.InvariantCulture,
                $"n must be at least 1, and n times the number of prompts at most {MaxChoices} (asked: {perPrompt} × {prompts})."), "n");
        }

        return perPrompt;
    }

    private static void RefuseIfSet(JsonElement? value, string field, string reason)
    {
        if (value is { ValueKind: not JsonValueKind.Null } set && !(set.ValueKind == JsonValueKind.Array && set.GetArrayLength() == 0))
        {
            throw Invalid($"{field} is not supported: {reason}", field);
        }
    }

    private static OpenAiRequestException Invalid(string message, string param) => OpenAiRequestException.Invalid(message, param);
}

/// <summary>An OpenAI request Herd refuses, with the field at fault for the error's <c>param</c>.</summary>
public sealed class OpenAiRequestException(RequestFailure failure, string param) : Exception(failure?.Message)
{
    public RequestFailure Failure { get; } = failure ?? throw new ArgumentNullException(nameof(failure));

    public string Param { get; } = param;

    /// <summary>An invalid request, with the field at fault.</summary>
    public static OpenAiRequestException Invalid(string message, string param) => new(new RequestFailure(FailureKind.InvalidRequest, message), param);
}
