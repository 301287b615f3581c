namespace Herd.Node.Providers;

/// <summary>One event of a provider's stream, as read from its JSON: any of its parts may be absent.</summary>
/// <param name="Text">The delta's text: <c>choices[0].delta.content</c> (chat) or <c>choices[0].text</c>.</param>
/// <param name="FinishReason">The provider's <c>finish_reason</c>, on the last choice event.</param>
/// <param name="Usage">The provider's token counts, on the event <c>stream_options.include_usage</c> adds.</param>
public sealed record ProviderChunk(string? Text, string? FinishReason, ProviderUsage? Usage);
