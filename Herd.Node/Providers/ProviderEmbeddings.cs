namespace Herd.Node.Providers;

/// <summary>A provider's answer to texts to embed: one vector per text, in their order, and the tokens it counted.</summary>
public sealed record ProviderEmbeddings(IReadOnlyList<float[]> Vectors, int PromptTokens);
