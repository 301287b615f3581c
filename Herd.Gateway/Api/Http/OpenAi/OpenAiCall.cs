using Herd.Contracts.V1;

namespace Herd.Gateway.Api.Http.OpenAi;

/// <summary>What kind of answer a call wants.</summary>
public enum OpenAiRoute
{
    /// <summary><c>/v1/chat/completions</c>: chat messages in, chat choices out.</summary>
    Chat,

    /// <summary><c>/v1/completions</c>: text in, text choices out.</summary>
    Text,
}

/// <summary>One OpenAI call as Herd runs it: a completion request per choice.</summary>
/// <param name="Choices">One request per choice, in choice order: for each prompt, <c>n</c> sequences.</param>
/// <param name="TopLogprobs">How many alternatives each token reports; null when logprobs were not asked for.</param>
public sealed record OpenAiCall(
    OpenAiRoute Route,
    string Model,
    IReadOnlyList<CompletionRequest> Choices,
    bool Stream,
    bool IncludeUsage,
    int? TopLogprobs);
