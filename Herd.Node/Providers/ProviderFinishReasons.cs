namespace Herd.Node.Providers;

/// <summary>OpenAI's <c>finish_reason</c> values as the link's finish reasons.</summary>
public static class ProviderFinishReasons
{
    public static Contracts.V1.FinishReason Of(string? reason) => reason switch
    {
        "length" => Contracts.V1.FinishReason.Length,
        "cancelled" => Contracts.V1.FinishReason.Cancelled,
        // stop, tool_calls, content_filter: the provider ended the answer itself.
        null => Contracts.V1.FinishReason.Unspecified,
        _ => Contracts.V1.FinishReason.Stop,
    };
}
