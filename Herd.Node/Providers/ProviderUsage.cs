namespace Herd.Node.Providers;

/// <summary>Tokens as the provider counts them.</summary>
public sealed record ProviderUsage(int PromptTokens, int CompletionTokens);
