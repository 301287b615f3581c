using System.Globalization;
using System.Text.Json.Nodes;
using Herd.Contracts.V1;

namespace Herd.Node.Providers;

/// <summary>
/// Builds the OpenAI request body for an assignment: chat messages go to <c>/chat/completions</c>,
/// a plain prompt to <c>/completions</c>, always streamed with usage; texts to embed go to
/// <c>/embeddings</c>, as floats. Only OpenAI's own sampling
/// fields are sent (temperature, top_p, max_tokens, stop, seed, frequency and presence penalties,
/// logit_bias); top_k, min_p and repetition_penalty are not part of the API and are left out.
/// </summary>
public static class ProviderRequests
{
    /// <summary>The path under the base URL that serves the assignment's input.</summary>
    public static string PathOf(Assign assign)
    {
        ArgumentNullException.ThrowIfNull(assign);
        return assign.InputCase switch
        {
            Assign.InputOneofCase.Chat => "chat/completions",
            Assign.InputOneofCase.Embed => "embeddings",
            _ => "completions",
        };
    }

    public static JsonObject EmbeddingBodyOf(Assign assign, string providerModel)
    {
        ArgumentNullException.ThrowIfNull(assign);
        return new JsonObject
        {
            ["model"] = providerModel,
            ["input"] = new JsonArray([.. assign.Embed.Texts.Select(text => JsonValue.Create(text))]),
            ["encoding_format"] = "float",
        };
    }

    public static JsonObject BodyOf(Assign assign, string providerModel)
    {
        ArgumentNullException.ThrowIfNull(assign);
        var body = new JsonObject { ["model"] = providerModel };
        if (assign.InputCase == Assign.InputOneofCase.Chat)
        {
            body["messages"] = new JsonArray([.. assign.Chat.Messages.Select(message => new JsonObject { ["role"] = message.Role, ["content"] = message.Content })]);
        }
        else
        {
            body["prompt"] = assign.Prompt;
        }

        body["stream"] = true;
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        AddSampling(body, assign.Sampling);
        return body;
    }

    private static void AddSampling(JsonObject body, SamplingParams? sampling)
    {
        if (sampling is null)
        {
            return;
        }

        if (sampling.HasTemperature)
        {
            body["temperature"] = sampling.Temperature;
        }

        if (sampling.HasTopP)
        {
            body["top_p"] = sampling.TopP;
        }

        if (sampling.HasMaxTokens)
        {
            body["max_tokens"] = sampling.MaxTokens;
        }

        if (sampling.HasSeed)
        {
            body["seed"] = sampling.Seed;
        }

        if (sampling.HasFrequencyPenalty)
        {
            body["frequency_penalty"] = sampling.FrequencyPenalty;
        }

        if (sampling.HasPresencePenalty)
        {
            body["presence_penalty"] = sampling.PresencePenalty;
        }

        if (sampling.Stop.Count > 0)
        {
            body["stop"] = new JsonArray([.. sampling.Stop.Select(stop => JsonValue.Create(stop))]);
        }

        if (sampling.LogitBias.Count > 0)
        {
            // The provider's token ids: a bias means what the provider's vocabulary says it means.
            var bias = new JsonObject();
            foreach (var (token, value) in sampling.LogitBias)
            {
                bias[token.ToString(CultureInfo.InvariantCulture)] = value;
            }

            body["logit_bias"] = bias;
        }
    }
}
