namespace Herd.Node.Engine;

/// <summary>A tokenized prompt and how to continue it.</summary>
public sealed record GenerationRequest(string Id, IReadOnlyList<int> PromptTokens, SamplingParameters Sampling);
