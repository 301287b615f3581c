using System.ComponentModel.DataAnnotations;

namespace Herd.Node.Providers;

/// <summary>
/// A provider node's settings, bound from the <c>Herd:Node:Provider</c> section
/// (<c>Herd__Node__Provider__BaseUrl</c>). When the section is set, the node serves its models
/// from an OpenAI-compatible HTTP endpoint instead of loading any itself. The attributes check
/// each value; <see cref="ProviderOptionsValidation"/> checks the rest.
/// </summary>
public sealed record ProviderOptions
{
    public const string Section = "Herd:Node:Provider";

    /// <summary>The API's base, the part before <c>/chat/completions</c>: <c>https://api.example.com/v1</c>.</summary>
    [Required(ErrorMessage = "Herd:Node:Provider:BaseUrl is required: the provider's OpenAI-compatible base URL, such as https://api.example.com/v1.")]
    public Uri? BaseUrl { get; init; }

    /// <summary>The provider's API key, sent as a bearer token; prefer <see cref="ApiKeyVariable"/> so the key stays out of configuration files.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The environment variable that holds the API key (a Kubernetes secret arrives as one); it wins over <see cref="ApiKey"/>.</summary>
    public string? ApiKeyVariable { get; init; }

    /// <summary>The herd's model names (what clients ask for) mapped to the provider's (what the provider is sent).</summary>
    public IReadOnlyDictionary<string, string> Models { get; init; } = new Dictionary<string, string>();

    /// <summary>The context length announced for each model, by herd name; models not named get <see cref="ContextLength"/>.</summary>
    public IReadOnlyDictionary<string, int> ContextLengths { get; init; } = new Dictionary<string, int>();

    /// <summary>The context length announced for models <see cref="ContextLengths"/> does not name.</summary>
    [Range(1, 10_000_000, ErrorMessage = "Herd:Node:Provider:ContextLength must be between 1 and 10000000.")]
    public int ContextLength { get; init; } = 8192;

    /// <summary>Requests the node sends the provider at once: the node's slots.</summary>
    [Range(1, 1024, ErrorMessage = "Herd:Node:Provider:Concurrency must be between 1 and 1024.")]
    public int Concurrency { get; init; } = 16;

    /// <summary>How long connecting to the provider may take before the job fails UNAVAILABLE.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "Herd:Node:Provider:ConnectTimeout must be between 00:00:00.100 and 00:10:00.")]
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the provider may take to start its answer (its response headers) before the job
    /// fails UNAVAILABLE. A stream that has started is never cut by time: it ends when the provider
    /// ends it or the job is cancelled.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Herd:Node:Provider:ResponseTimeout must be between 00:00:01 and 01:00:00.")]
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The API key: from <see cref="ApiKeyVariable"/>'s variable when it names one, else <see cref="ApiKey"/>; null for none.</summary>
    public string? ResolveApiKey() =>
        ApiKeyVariable is { Length: > 0 } variable ? Environment.GetEnvironmentVariable(variable) : ApiKey is { Length: > 0 } key ? key : null;

    /// <summary>Where the key comes from, for a message that tells the operator what to fix; never the key itself.</summary>
    public string ApiKeySource => ApiKeyVariable is { Length: > 0 } variable
        ? $"the environment variable {variable} (Herd:Node:Provider:ApiKeyVariable)"
        : "Herd:Node:Provider:ApiKey";
}
