namespace Herd.Gateway.Ledger.Queries;

/// <summary>The usage of one group of requests.</summary>
/// <param name="Group">The key id, model, node id or UTC day (<c>yyyy-MM-dd</c>); empty for requests with no key or no node.</param>
public sealed record UsageTotalRow(string Group, long Requests, long PromptTokens, long CompletionTokens, decimal Fee);
