using Herd.Contracts.V1;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Adapters;
using Herd.Gateway.Failures;

namespace Herd.Gateway.Completions;

/// <summary>
/// Refuses malformed requests before they are queued, as <see cref="FailureKind.InvalidRequest"/> with a message that
/// names the field and the allowed range. What depends on the model (whether the prompt fits
/// its context, whether it has a chat template) is checked by the node that serves it.
/// </summary>
public static class CompletionRequestValidator
{
    public const int MaxNameLength = 200;
    public const int MaxPromptCharacters = 1_000_000;
    public const int MaxChatMessages = 1_000;
    public const int MaxTopLogprobs = 20;
    public const int MaxStopSequences = 16;
    public const int MaxStopSequenceLength = 256;

    /// <summary>The most texts one embeddings request may hold (as OpenAI's API, and the node's limit per job).</summary>
    public const int MaxEmbedTexts = 2048;

    private static readonly HashSet<string> Roles = new(["system", "user", "assistant", "tool"], StringComparer.Ordinal);

    /// <exception cref="RequestFailedException">An invalid request, naming the first problem found.</exception>
    public static void Validate(CompletionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Require(request.Model.Length is > 0 and <= MaxNameLength, $"model must name a served model (1 to {MaxNameLength} characters)");
        Require(request.Priority is >= 0 and <= Role.HighestPriority, $"priority must be in [0, {Role.HighestPriority}], not {request.Priority}");
        Require(request.RequestId.Length <= MaxNameLength, $"request_id must have at most {MaxNameLength} characters");
        Require(request.TopExperts is >= 0 and <= AdapterChoices.MaxTopExperts,
            $"top_experts must be in [0, {AdapterChoices.MaxTopExperts}] (0 for one expert), not {request.TopExperts}; each node allows at most its own Herd:Node:Experts:MaxTopExperts");
        switch (request.InputCase)
        {
            case CompletionRequest.InputOneofCase.Prompt:
                Require(request.Prompt.Length is > 0 and <= MaxPromptCharacters, $"prompt must have 1 to {MaxPromptCharacters} characters");
                break;
            case CompletionRequest.InputOneofCase.Chat:
                ValidateMessages(request.Chat.Messages, "chat.messages");
                break;
            case CompletionRequest.InputOneofCase.Embed:
                ValidateTexts(request.Embed.Texts);
                break;
            default:
                throw Invalid("one of prompt, chat or embed must be set");
        }

        if (request.Sampling is { } sampling)
        {
            ValidateSampling(sampling);
        }
    }

    /// <exception cref="RequestFailedException">An invalid request, naming the first problem found.</exception>
    public static void ValidateMessages(IReadOnlyCollection<ChatMessage> messages, string field)
    {
        ArgumentNullException.ThrowIfNull(messages);
        Require(messages.Count is > 0 and <= MaxChatMessages, $"{field} must hold 1 to {MaxChatMessages} messages");
        Require(messages.All(message => Roles.Contains(message.Role)), $"each message's role must be one of {string.Join(", ", Roles)}");
        Require(messages.Sum(message => (long)message.Content.Length) <= MaxPromptCharacters, $"{field} must have at most {MaxPromptCharacters} characters in all");
    }

    /// <exception cref="RequestFailedException">An invalid request, naming the first problem found.</exception>
    public static void ValidateTexts(IReadOnlyCollection<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        Require(texts.Count is > 0 and <= MaxEmbedTexts, $"embed.texts must hold 1 to {MaxEmbedTexts} texts, not {texts.Count}");
        Require(texts.All(text => text.Length > 0), "each text to embed must have at least one character");
        Require(texts.Sum(text => (long)text.Length) <= MaxPromptCharacters, $"the texts to embed must have at most {MaxPromptCharacters} characters in all");
    }

    /// <exception cref="RequestFailedException">An invalid request, naming the first problem found.</exception>
    public static void ValidateSampling(SamplingParams sampling)
    {
        ArgumentNullException.ThrowIfNull(sampling);
        Require(!sampling.HasTemperature || (float.IsFinite(sampling.Temperature) && sampling.Temperature >= 0), $"temperature must be 0 (greedy) or more, not {sampling.Temperature}");
        Require(!sampling.HasTopK || sampling.TopK >= 0, $"top_k must be 0 (off) or more, not {sampling.TopK}");
        Require(!sampling.HasTopP || (float.IsFinite(sampling.TopP) && sampling.TopP > 0 && sampling.TopP <= 1), $"top_p must be in (0, 1], not {sampling.TopP}");
        Require(!sampling.HasMinP || (float.IsFinite(sampling.MinP) && sampling.MinP >= 0 && sampling.MinP <= 1), $"min_p must be in [0, 1], not {sampling.MinP}");
        Require(!sampling.HasRepetitionPenalty || (float.IsFinite(sampling.RepetitionPenalty) && sampling.RepetitionPenalty > 0), $"repetition_penalty must be more than 0 (1 is off), not {sampling.RepetitionPenalty}");
        Require(!sampling.HasFrequencyPenalty || (float.IsFinite(sampling.FrequencyPenalty) && Math.Abs(sampling.FrequencyPenalty) <= 2), $"frequency_penalty must be in [-2, 2], not {sampling.FrequencyPenalty}");
        Require(!sampling.HasPresencePenalty || (float.IsFinite(sampling.PresencePenalty) && Math.Abs(sampling.PresencePenalty) <= 2), $"presence_penalty must be in [-2, 2], not {sampling.PresencePenalty}");
        Require(!sampling.HasMaxTokens || sampling.MaxTokens > 0, $"max_tokens must be at least 1, not {sampling.MaxTokens}");
        Require(sampling.TopLogprobs is >= 0 and <= MaxTopLogprobs, $"top_logprobs must be in [0, {MaxTopLogprobs}], not {sampling.TopLogprobs}");
        Require(sampling.Stop.Count <= MaxStopSequences, $"at most {MaxStopSequences} stop sequences, not {sampling.Stop.Count}");
        Require(sampling.Stop.All(stop => stop.Length is > 0 and <= MaxStopSequenceLength), $"each stop sequence must have 1 to {MaxStopSequenceLength} characters");
    }

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw Invalid(problem);
        }
    }

    private static RequestFailedException Invalid(string problem) => new(FailureKind.InvalidRequest, problem + ".");
}
