namespace Herd.Gateway.Completions;

/// <summary>The published prompt a completion's text came from, for its ledger record and its CompletionDone.</summary>
/// <param name="PromptId">The prompt's id.</param>
/// <param name="Version">The version that ran.</param>
/// <param name="ParentRequestId">For a step of a chain, the id the chain's steps share; else null.</param>
public sealed record PromptOrigin(string PromptId, string Version, string? ParentRequestId = null);
