using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;
using Herd.Gateway.Failures;
using Microsoft.AspNetCore.Http.Features;

namespace Herd.Gateway.Api.Http;

/// <summary>Reads a JSON request body, turning whatever is wrong with it into a 400 that says what.</summary>
public static class HttpBodies
{
    /// <summary>The largest body a route takes: a million-character prompt, escaped, with room to spare.</summary>
    public const long MaxBodyBytes = 16 * 1024 * 1024;

    /// <exception cref="OpenAi.OpenAiRequestException">The body is missing, too large, not JSON, or of the wrong shape.</exception>
    public static async Task<T> ReadAsync<T>(HttpContext http, JsonTypeInfo<T> type)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(type);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        try
        {
            // Read whole first: JSON text is only checked to be UTF-8 where it is turned into
            // strings, which for the fields kept as JSON would be after the body was taken.
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, http.RequestAborted).ConfigureAwait(false);
            var bytes = body.GetBuffer().AsSpan(0, (int)body.Length);
            if (!Utf8.IsValid(bytes))
            {
                throw Invalid("The body is not valid UTF-8; send JSON text encoded as UTF-8.", null);
            }

            return JsonSerializer.Deserialize(bytes, type) ?? throw Invalid("The body must be a JSON object, not null.", null);
        }
        catch (JsonException exception)
        {
            var param = exception.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
            throw Invalid($"The body is not a valid request: {exception.Message}", param);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw Invalid($"The body is larger than the {MaxBodyBytes / (1024 * 1024)} MiB a request may have.", null);
        }
    }

    private static OpenAi.OpenAiRequestException Invalid(string message, string? param) =>
        new(new RequestFailure(FailureKind.InvalidRequest, message), param ?? string.Empty);
}
