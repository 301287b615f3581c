namespace Herd.Node.Engine;

/// <summary>What the engine reports about one request, in order: text as it is generated, then how it ended.</summary>
public abstract record GenerationEvent;

/// <summary>What one engine step produced: released text, the token ids sampled, and log-probabilities if asked.</summary>
public sealed record GeneratedText(string Text, IReadOnlyList<int> TokenIds, IReadOnlyList<SampledToken> Logprobs) : GenerationEvent;

/// <summary>The last event of a request that ran.</summary>
public sealed record GenerationFinished(FinishReason Reason, int PromptTokens, int CompletionTokens, TimeSpan TimeToFirstToken, TimeSpan TotalTime) : GenerationEvent;

/// <summary>The last event of a request the engine could not finish (for example out of memory).</summary>
public sealed record GenerationFailed(string Message, int CompletionTokens) : GenerationEvent;
