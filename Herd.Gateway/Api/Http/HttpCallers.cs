using Herd.Gateway.Access;

namespace Herd.Gateway.Api.Http;

/// <summary>
/// The HTTP door's key check: the same keys and roles as the gRPC door, with each route named in
/// <c>allow_methods</c> as <c>http</c> and its path (<c>http/v1/chat/completions</c>).
/// </summary>
/// <param name="keys">Null where access control is off: every caller is anonymous.</param>
public sealed class HttpCallers(KeyCheck? keys)
{
    /// <summary>The name roles give a route: <c>http</c> followed by its path.</summary>
    public static string RouteName(string path) => "http" + path;

    /// <summary>The verified caller of this request; null when access control is off.</summary>
    /// <exception cref="Failures.RequestFailedException">Unauthenticated, forbidden, or the ledger is away.</exception>
    public async Task<Caller?> CheckAsync(HttpContext http, string path)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (keys is null)
        {
            return null;
        }

        var headers = http.Request.Headers;
        string? Header(string name) => headers.TryGetValue(name, out var value) ? value.ToString() : null;
        return await keys.CheckAsync(Header(ApiKeyHeaders.Authorization), Header(ApiKeyHeaders.ApiKey), RouteName(path), http.RequestAborted).ConfigureAwait(false);
    }
}
