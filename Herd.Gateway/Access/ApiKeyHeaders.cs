namespace Herd.Gateway.Access;

/// <summary>Where a call carries its API key, at either door: <c>authorization: Bearer &lt;key&gt;</c>, or <c>x-api-key: &lt;key&gt;</c>.</summary>
public static class ApiKeyHeaders
{
    public const string Authorization = "authorization";
    public const string ApiKey = "x-api-key";
    private const string BearerScheme = "Bearer ";

    /// <summary>The presented key, or null with the reason a client should be told.</summary>
    /// <param name="authorization">The <c>authorization</c> header's value; null when absent.</param>
    /// <param name="apiKey">The <c>x-api-key</c> header's value; null when absent.</param>
    public static string? Find(string? authorization, string? apiKey, out string problem)
    {
        problem = "";
        if (authorization is not null && apiKey is not null)
        {
            problem = $"The call carries both '{Authorization}' and '{ApiKey}'; send the key in one of them.";
            return null;
        }

        if (apiKey is not null)
        {
            return apiKey.Trim();
        }

        if (authorization is null)
        {
            problem = $"The call carries no API key; send it as '{Authorization}: Bearer <key>' (or '{ApiKey}: <key>').";
            return null;
        }

        if (!authorization.StartsWith(BearerScheme, StringComparison.OrdinalIgnoreCase))
        {
            problem = $"The '{Authorization}' header must be 'Bearer <key>'.";
            return null;
        }

        return authorization[BearerScheme.Length..].Trim();
    }
}
