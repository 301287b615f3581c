namespace Herd.Node.Providers;

/// <summary>
/// The provider refused or failed a request, or could not be reached. <see cref="Status"/> is the
/// google.rpc code the job fails with; the message says what the provider said.
/// </summary>
public sealed class ProviderException : Exception
{
    public ProviderException(int status, string message, Exception? inner = null)
        : base(message, inner) => Status = status;

    /// <summary>The google.rpc code for JobFailed (<see cref="Link.LinkStatus"/>).</summary>
    public int Status { get; }

    /// <summary>When the provider said the request may be retried (a rate limit's Retry-After).</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The provider refused the node's API key: the operator must fix the configuration.</summary>
    public bool BadCredentials { get; init; }

    /// <summary>The HTTP status the provider answered; null when it did not answer.</summary>
    public int? HttpStatus { get; init; }
}
