using Microsoft.Extensions.Options;

namespace Herd.Node.Providers;

/// <summary>
/// The HTTP client a provider node talks to its provider with. The service defaults give every
/// client the standard resilience handler; this one has it removed, on purpose: its retries would
/// send a rate-limited or failing provider the same request again and hold the job for seconds
/// before it fails, and its total-request timeout would cut a long stream. Here nothing is retried
/// by the node (the client decides, with the Retry-After it is given), connecting is bounded by
/// <see cref="ProviderOptions.ConnectTimeout"/>, the answer's start by
/// <see cref="ProviderOptions.ResponseTimeout"/>, and a stream that has started is never timed out.
/// </summary>
public static class ProviderHttp
{
    public const string ClientName = "herd-provider";

    public static IHostApplicationBuilder AddProviderHttp(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // The one way to take off what ConfigureHttpClientDefaults added; it is marked for evaluation
        // (EXTEXP0001), and if it changes, this client is the only one that needs a look.
#pragma warning disable EXTEXP0001
        builder.Services.AddHttpClient(ClientName)
            .RemoveAllResilienceHandlers()
#pragma warning restore EXTEXP0001
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(services => new SocketsHttpHandler
            {
                ConnectTimeout = services.GetRequiredService<IOptions<ProviderOptions>>().Value.ConnectTimeout,
                // New connections now and then, so a provider's DNS changes are followed.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
        return builder;
    }
}
