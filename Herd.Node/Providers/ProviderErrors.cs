using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Herd.Node.Link;

namespace Herd.Node.Providers;

/// <summary>
/// Turns what a provider answered when it did not stream (an HTTP error, or an error event in
/// its stream) into a <see cref="ProviderException"/> with the status the job fails with. The one
/// place where provider failures become link statuses.
/// </summary>
public static class ProviderErrors
{
    private const int MaxMessageLength = 500;

    /// <summary>An HTTP answer that is not 2xx.</summary>
    public static ProviderException FromResponse(HttpStatusCode status, HttpResponseHeaders headers, string body, string providerModel)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var code = (int)status;
        var said = MessageOf(body);
        return code switch
        {
            429 => new ProviderException(LinkStatus.ResourceExhausted, $"The provider is rate limiting this node (HTTP 429): {said}") { RetryAfter = RetryAfterOf(headers), HttpStatus = code },
            401 or 403 => Credentials(code, said),
            400 or 413 or 422 => new ProviderException(LinkStatus.InvalidArgument, $"The provider refused the request (HTTP {code}): {said}") { HttpStatus = code },
            404 => new ProviderException(LinkStatus.NotFound, $"The provider does not serve model '{providerModel}' (HTTP 404): {said}") { HttpStatus = code },
            _ => new ProviderException(LinkStatus.Unavailable, $"The provider is unavailable (HTTP {code}): {said}") { HttpStatus = code },
        };
    }

    /// <summary>An <c>{"error": {...}}</c> event in a stream that had started (OpenAI's shape).</summary>
    public static ProviderException FromErrorEvent(JsonElement error)
    {
        var message = Text(error, "message") ?? error.GetRawText();
        var type = Text(error, "type");
        var code = Text(error, "code");
        return (type, code) switch
        {
            ("rate_limit_error", _) or (_, "rate_limit_exceeded") => new ProviderException(LinkStatus.ResourceExhausted, $"The provider is rate limiting this node: {message}"),
            ("authentication_error", _) or (_, "invalid_api_key") => Credentials(null, message),
            (_, "model_not_found") => new ProviderException(LinkStatus.NotFound, $"The provider does not serve the model: {message}"),
            ("invalid_request_error", _) => new ProviderException(LinkStatus.InvalidArgument, $"The provider refused the request: {message}"),
            _ => new ProviderException(LinkStatus.Unavailable, $"The provider failed the request: {message}"),
        };
    }

    private static ProviderException Credentials(int? status, string said) => new(
        LinkStatus.FailedPrecondition,
        $"The provider refused this node's credentials{(status is { } code ? $" (HTTP {code})" : "")}: {said}. The node's operator must fix its API key.")
    {
        BadCredentials = true,
        HttpStatus = status,
    };

    /// <summary>OpenAI's <c>error.message</c> when the body has one, else the body itself, cut short.</summary>
    private static string MessageOf(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("error", out var error)
                && (error.ValueKind == JsonValueKind.String ? error.GetString() : Text(error, "message")) is { Length: > 0 } message)
            {
                return Cut(message);
            }
        }
        catch (JsonException)
        {
            // Not JSON: the body as it came.
        }

        return body.Length == 0 ? "no message" : Cut(body);
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Cut(string text) => text.Length <= MaxMessageLength ? text : text[..MaxMessageLength] + "…";

    /// <summary><c>retry-after-ms</c> (OpenAI's SDKs read it), else <c>Retry-After</c> as seconds or a date.</summary>
    private static TimeSpan? RetryAfterOf(HttpResponseHeaders headers)
    {
        if (headers.TryGetValues("retry-after-ms", out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds)
            && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        return headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
            _ => null,
        };
    }
}
