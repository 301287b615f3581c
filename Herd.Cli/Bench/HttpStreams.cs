using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Herd.Cli.Bench;

/// <summary>
/// The gateway's HTTP door as OpenAI's clients use it: concurrent streamed text completions, each
/// read line by line as server-sent events. The first event is the first token's; the usage the
/// last event carries counts the tokens.
/// </summary>
internal static class HttpStreams
{
    /// <summary>
    /// A client for the benchmark on one HTTP version, exactly: HTTP/1.1 opens a connection per
    /// concurrent stream, as OpenAI's clients do on a cleartext URL; HTTP/2 carries them all on one.
    /// </summary>
    public static HttpClient Client(Uri gateway, Version version) => new(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) })
    {
        BaseAddress = gateway,
        Timeout = TimeSpan.FromMinutes(2),
        DefaultRequestVersion = version,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    public static async Task<StreamMeasure> RunAsync(HttpClient http, string model, string prompt, int tokensPerRequest, int streams, CancellationToken cancellationToken)
    {
        // Serialized once, sent with its length, as OpenAI's clients send a request body.
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["model"] = model,
            ["prompt"] = prompt,
            ["max_tokens"] = tokensPerRequest,
            ["temperature"] = 0,
            ["stream"] = true,
            ["stream_options"] = new Dictionary<string, bool> { ["include_usage"] = true },
        });
        var started = Stopwatch.GetTimestamp();
        var runs = await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => StreamAsync(http, body, cancellationToken)));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new StreamMeasure(runs.Sum(run => run.Tokens) / seconds, [.. runs.Select(run => run.FirstToken.TotalMilliseconds)], []);
    }

    private static async Task<(int Tokens, TimeSpan FirstToken)> StreamAsync(HttpClient http, byte[] body, CancellationToken cancellationToken)
    {
        var begun = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/completions")
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
            Version = http.DefaultRequestVersion,
            VersionPolicy = http.DefaultVersionPolicy,
        };
        // Headers first: the events are read as they come, not once the whole answer is in.
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        TimeSpan? firstToken = null;
        var tokens = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]")
            {
                continue;
            }

            firstToken ??= Stopwatch.GetElapsedTime(begun);
            // Only the usage event is parsed: the client's work per token stays as small as the gRPC client's.
            if (line.Contains("\"usage\"", StringComparison.Ordinal))
            {
                using var usage = JsonDocument.Parse(line.AsMemory("data: ".Length));
                tokens = usage.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
            }
        }

        return (tokens, firstToken ?? throw new InvalidOperationException("An HTTP stream ended without an event."));
    }
}
