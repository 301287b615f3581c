namespace Herd.Node.Engine;

/// <summary>A token the sampler picked, with log-probabilities when they were asked for.</summary>
public sealed record SampledToken(int TokenId, float? Logprob = null, IReadOnlyList<(int TokenId, float Logprob)>? TopLogprobs = null);
