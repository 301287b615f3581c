namespace Herd.Gateway.Ledger.Queries;

/// <summary>What one key's requests in a time range add up to.</summary>
/// <param name="AverageScore">The mean of the key's feedback scores on those requests; null when it gave none.</param>
public sealed record KeyStatistics(long Requests, long PromptTokens, long CompletionTokens, decimal Fee, int ScoredRequests, double? AverageScore);
