using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Herd.Contracts.V1;
using Herd.Node.Engine;
using Herd.Node.Serving;
using Herd.Node.Tokenization;
using ChatTurn = Herd.Node.Tokenization.ChatTurn;

namespace Herd.Node.Link;

/// <summary>Translates between the link's messages and the engine's requests and events.</summary>
public static class AssignMapping
{
    /// <exception cref="InvalidRequestException">The assignment carries no input.</exception>
    public static PromptInput ToPromptInput(Assign assign)
    {
        ArgumentNullException.ThrowIfNull(assign);
        return assign.InputCase switch
        {
            Assign.InputOneofCase.Prompt => PromptInput.FromText(assign.Prompt),
            Assign.InputOneofCase.Chat => PromptInput.FromChat([.. assign.Chat.Messages.Select(message => new ChatTurn(message.Role, message.Content))]),
            Assign.InputOneofCase.Embed => throw new InvalidRequestException("The assignment has texts to embed, not a prompt to continue."),
            _ => throw new InvalidRequestException("The assignment has neither a prompt nor chat messages."),
        };
    }

    /// <summary>The adapters the assignment asks for; null for the base model alone.</summary>
    public static AdapterSelection? ToAdapterSelection(AdapterChoice? choice) => choice?.ChoiceCase switch
    {
        AdapterChoice.ChoiceOneofCase.Named => new AdapterSelection.Named([.. choice.Named.Adapters.Select(adapter => new WeightedName(adapter.Name, adapter.Weight))]),
        AdapterChoice.ChoiceOneofCase.Route => new AdapterSelection.Routed(
            Math.Max(1, choice.Route.TopExperts),
            choice.Route.Restricted ? choice.Route.AllowedExperts.ToHashSet(StringComparer.Ordinal) : null),
        _ => null,
    };

    /// <summary>
    /// The trace context the gateway sent with the job (W3C traceparent and tracestate), read
    /// with the process's propagator; default when it sent none or one that does not parse, so
    /// the job starts a trace of its own.
    /// </summary>
    public static ActivityContext ToTraceParent(Assign assign)
    {
        ArgumentNullException.ThrowIfNull(assign);
        DistributedContextPropagator.Current.ExtractTraceIdAndState(assign, ReadTraceField, out var traceParent, out var traceState);
        return ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
    }

    /// <summary>The request's sampling: fields it sets replace the model's defaults, unset ones keep them.</summary>
    public static SamplingParameters ToSampling(SamplingParams? sampling, SamplingParameters defaults)
    {
        if (sampling is null)
        {
            return defaults;
        }

        return new SamplingOverrides
        {
            Temperature = sampling.HasTemperature ? sampling.Temperature : null,
            TopK = sampling.HasTopK ? sampling.TopK : null,
            TopP = sampling.HasTopP ? sampling.TopP : null,
            MinP = sampling.HasMinP ? sampling.MinP : null,
            RepetitionPenalty = sampling.HasRepetitionPenalty ? sampling.RepetitionPenalty : null,
            FrequencyPenalty = sampling.HasFrequencyPenalty ? sampling.FrequencyPenalty : null,
            PresencePenalty = sampling.HasPresencePenalty ? sampling.PresencePenalty : null,
            Seed = sampling.HasSeed ? sampling.Seed : null,
            MaxTokens = sampling.HasMaxTokens ? sampling.MaxTokens : null,
            Stop = sampling.Stop.Count > 0 ? [.. sampling.Stop] : null,
            TopLogprobs = sampling.TopLogprobs != 0 ? sampling.TopLogprobs : null,
            LogitBias = sampling.LogitBias.Count > 0 ? new Dictionary<int, float>(sampling.LogitBias) : null,
        }.ApplyTo(defaults);
    }

    public static TokenChunk ToChunk(string jobId, GeneratedText text, ModelTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var chunk = new TokenChunk { JobId = jobId, Text = text.Text };
        chunk.TokenIds.AddRange(text.TokenIds);
        foreach (var sampled in text.Logprobs)
        {
            var logprob = new TokenLogprob { TokenId = sampled.TokenId, Token = tokenizer.TokenText(sampled.TokenId), Logprob = sampled.Logprob ?? 0 };
            foreach (var (tokenId, alternative) in sampled.TopLogprobs ?? [])
            {
                logprob.Top.Add(new TopLogprob { TokenId = tokenId, Token = tokenizer.TokenText(tokenId), Logprob = alternative });
            }

            chunk.Logprobs.Add(logprob);
        }

        return chunk;
    }

    /// <param name="adapters">the adapters the generation ran with; empty for the base model</param>
    public static JobFinished ToFinished(string jobId, GenerationFinished finished, IReadOnlyList<ChosenAdapter>? adapters = null)
    {
        ArgumentNullException.ThrowIfNull(finished);
        var message = new JobFinished
        {
            JobId = jobId,
            FinishReason = ToFinishReason(finished.Reason),
            Usage = new Usage { PromptTokens = finished.PromptTokens, CompletionTokens = finished.CompletionTokens },
            TimeToFirstToken = Duration.FromTimeSpan(finished.TimeToFirstToken),
            TotalTime = Duration.FromTimeSpan(finished.TotalTime),
        };
        foreach (var adapter in adapters ?? [])
        {
            var used = new AdapterUsed { Adapter = adapter.Adapter, Weight = adapter.Weight, Expert = adapter.Expert ?? string.Empty };
            if (adapter.Distance is { } distance)
            {
                used.Distance = distance;
            }

            message.Adapters.Add(used);
        }

        return message;
    }

    /// <summary>An embedding job's end: its vectors (none when cancelled) and its texts' tokens as the prompt tokens.</summary>
    public static JobFinished ToFinished(string jobId, EmbeddingResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var finished = new JobFinished
        {
            JobId = jobId,
            FinishReason = ToFinishReason(result.Reason),
            Usage = new Usage { PromptTokens = result.PromptTokens },
            TotalTime = Duration.FromTimeSpan(result.TotalTime),
        };
        foreach (var vector in result.Vectors)
        {
            var embedding = new Embedding();
            embedding.Values.AddRange(vector);
            finished.Embeddings.Add(embedding);
        }

        return finished;
    }

    /// <summary>The name the job's span gives its operation, as OpenTelemetry's gen_ai.operation.name values go.</summary>
    public static string ToOperationName(Assign assign)
    {
        ArgumentNullException.ThrowIfNull(assign);
        return assign.InputCase switch
        {
            Assign.InputOneofCase.Chat => "chat",
            Assign.InputOneofCase.Embed => "embeddings",
            _ => "text_completion",
        };
    }

    private static Contracts.V1.FinishReason ToFinishReason(Engine.FinishReason reason) => reason switch
    {
        Engine.FinishReason.Stop => Contracts.V1.FinishReason.Stop,
        Engine.FinishReason.Length => Contracts.V1.FinishReason.Length,
        Engine.FinishReason.Cancelled => Contracts.V1.FinishReason.Cancelled,
        _ => Contracts.V1.FinishReason.Unspecified,
    };

    private static void ReadTraceField(object? carrier, string name, out string? value, out IEnumerable<string>? values)
    {
        values = null;
        value = carrier is Assign assign
            ? name switch
            {
                "traceparent" => assign.Traceparent,
                "tracestate" => assign.Tracestate,
                _ => null,
            }
            : null;
        if (value?.Length == 0)
        {
            value = null;
        }
    }
}
