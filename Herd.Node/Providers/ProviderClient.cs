using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herd.Contracts.V1;
using Herd.Node.Link;
using Microsoft.Extensions.Options;

namespace Herd.Node.Providers;

/// <summary>
/// Sends one assignment to the provider and reads its server-sent events back as
/// <see cref="ProviderChunk"/>s, or its embeddings. The HTTP client comes from <see cref="IHttpClientFactory"/>
/// without the standard resilience handler (see <see cref="ProviderHttp"/>): a failure reaches
/// the job at once, and a long stream is never cut by a request timeout.
/// </summary>
public sealed class ProviderClient(IHttpClientFactory clients, IOptions<ProviderOptions> options)
{
    /// <exception cref="ProviderException">The provider refused or failed the request, or could not be reached.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async IAsyncEnumerable<ProviderChunk> StreamAsync(Assign assign, string providerModel, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assign);
        var settings = options.Value;
        using var request = Request(settings, assign, ProviderRequests.BodyOf(assign, providerModel), "text/event-stream");
        using var response = await SendAsync(request, settings, providerModel, cancellationToken);

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var events = SseParser.Create(stream).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (await NextAsync(events, cancellationToken))
            {
                if (events.Current.Data is "[DONE]")
                {
                    yield break;
                }

                yield return Parse(events.Current.Data);
            }
        }
        finally
        {
            await events.DisposeAsync();
        }
    }

    /// <summary>Embeds the assignment's texts in one call.</summary>
    /// <exception cref="ProviderException">The provider refused or failed the request, could not be reached, or answered what is not OpenAI's shape.</exception>
    public async Task<ProviderEmbeddings> EmbedAsync(Assign assign, string providerModel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assign);
        var settings = options.Value;
        using var request = Request(settings, assign, ProviderRequests.EmbeddingBodyOf(assign, providerModel), "application/json");
        using var response = await SendAsync(request, settings, providerModel, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var json = JsonDocument.Parse(body);
            var vectors = json.RootElement.GetProperty("data").EnumerateArray()
                .OrderBy(item => item.TryGetProperty("index", out var index) ? index.GetInt32() : 0)
                .Select(item => item.GetProperty("embedding").EnumerateArray().Select(value => value.GetSingle()).ToArray())
                .ToList();
            var promptTokens = json.RootElement.TryGetProperty("usage", out var usage) && usage.TryGetProperty("prompt_tokens", out var tokens) ? tokens.GetInt32() : 0;
            return vectors.Count == assign.Embed.Texts.Count
                ? new ProviderEmbeddings(vectors, promptTokens)
                : throw new ProviderException(LinkStatus.Unavailable, $"The provider sent {vectors.Count} embeddings for {assign.Embed.Texts.Count} texts.");
        }
        catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ProviderException(LinkStatus.Unavailable, $"The provider's embeddings are not in OpenAI's shape: {error.Message}", error);
        }
    }

    private static HttpRequestMessage Request(ProviderOptions settings, Assign assign, JsonObject body, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Endpoint(settings, ProviderRequests.PathOf(assign)))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        if (settings.ResolveApiKey() is { } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return request;
    }

    private static Uri Endpoint(ProviderOptions settings, string path)
    {
        // Validated at start: a node without a base URL does not run.
        var baseUrl = settings.BaseUrl ?? throw new InvalidOperationException("Herd:Node:Provider:BaseUrl is not set.");
        return new Uri(baseUrl.ToString().TrimEnd('/') + "/" + path);
    }

    /// <summary>Sends the request and waits for the answer's headers, within the response timeout; a refusal is thrown.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, ProviderOptions settings, string providerModel, CancellationToken cancellationToken)
    {
        var response = await SendOnceAsync(request, settings, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw ProviderErrors.FromResponse(response.StatusCode, response.Headers, body, providerModel);
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, ProviderOptions settings, CancellationToken cancellationToken)
    {
        using var headersDue = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        headersDue.CancelAfter(settings.ResponseTimeout);
        try
        {
            return await clients.CreateClient(ProviderHttp.ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headersDue.Token);
        }
        catch (OperationCanceledException error) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException(LinkStatus.Unavailable, $"The provider at {settings.BaseUrl} did not answer in time (Herd:Node:Provider:ConnectTimeout {settings.ConnectTimeout.TotalSeconds:0.#} s, ResponseTimeout {settings.ResponseTimeout.TotalSeconds:0.#} s).", error);
        }
        catch (HttpRequestException error)
        {
            throw Unreachable(settings, error);
        }
    }

    private static async Task<bool> NextAsync(IAsyncEnumerator<SseItem<string>> events, CancellationToken cancellationToken)
    {
        try
        {
            return await events.MoveNextAsync();
        }
        catch (Exception error) when (error is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException(LinkStatus.Unavailable, $"The provider's stream broke: {error.Message}", error);
        }
    }

    private static ProviderException Unreachable(ProviderOptions settings, HttpRequestException error)
    {
        var reason = error.InnerException is SocketException socket ? socket.SocketErrorCode.ToString() : error.Message;
        return new ProviderException(LinkStatus.Unavailable, $"The provider at {settings.BaseUrl} could not be reached ({reason}).", error);
    }

    /// <exception cref="ProviderException">The event is an error, or not the JSON of a chunk.</exception>
    private static ProviderChunk Parse(string data)
    {
        JsonNode? json;
        try
        {
            json = JsonNode.Parse(data);
        }
        catch (JsonException error)
        {
            throw new ProviderException(LinkStatus.Unavailable, $"The provider sent an event that is not JSON: {error.Message}", error);
        }

        if (json is not JsonObject chunk)
        {
            throw new ProviderException(LinkStatus.Unavailable, "The provider sent an event that is not a JSON object.");
        }

        if (chunk["error"] is { } failure)
        {
            using var document = JsonDocument.Parse(failure.ToJsonString());
            throw ProviderErrors.FromErrorEvent(document.RootElement);
        }

        var choice = chunk["choices"] is JsonArray { Count: > 0 } choices ? choices[0] as JsonObject : null;
        var text = choice?["delta"]?["content"] is JsonValue content ? content.GetValue<string>() : choice?["text"] is JsonValue plain ? plain.GetValue<string>() : null;
        var finish = choice?["finish_reason"] is JsonValue reason ? reason.GetValue<string>() : null;
        var usage = chunk["usage"] is JsonObject counted
            ? new ProviderUsage(counted["prompt_tokens"]?.GetValue<int>() ?? 0, counted["completion_tokens"]?.GetValue<int>() ?? 0)
            : null;
        return new ProviderChunk(text, finish, usage);
    }
}
