using Herd.Gateway.Access;
using Herd.Gateway.Access.Keys;
using Herd.Gateway.Access.Roles;
using Microsoft.Net.Http.Headers;

namespace Herd.Gateway.Api.Http.Dashboard;

/// <summary>
/// The door of the dashboard's JSON endpoints: the request must carry <c>Authorization: Bearer
/// &lt;key&gt;</c> with a key in force (401 otherwise) whose role allows
/// <see cref="DashboardPermissions.View"/> (403 otherwise). The page keeps the key in the
/// browser's session storage and sends it on each call; it never travels in a URL.
/// </summary>
public sealed partial class DashboardKeyFilter(KeyVerifier verifier, RoleCatalog roles, ILogger<DashboardKeyFilter> logger) : IEndpointFilter
{
    private const string BearerScheme = "Bearer ";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var authorization = http.Request.Headers[HeaderNames.Authorization].ToString();
        if (!authorization.StartsWith(BearerScheme, StringComparison.OrdinalIgnoreCase) || authorization.Length == BearerScheme.Length)
        {
            return Refuse(StatusCodes.Status401Unauthorized, "Sign in with an API key: send it as 'Authorization: Bearer <key>'.", keyId: null);
        }

        ApiKeyVerification verification;
        try
        {
            verification = await verifier.VerifyAsync(authorization[BearerScheme.Length..].Trim(), http.RequestAborted).ConfigureAwait(false);
        }
        catch (LedgerUnreachableException exception)
        {
            return DashboardErrors.Json(StatusCodes.Status503ServiceUnavailable, exception.Message);
        }

        if (!verification.IsValid)
        {
            return Refuse(StatusCodes.Status401Unauthorized, verification.Reason, verification.Key?.Id);
        }

        var key = verification.Key;
        if (!roles.TryGet(key.Role, out var role))
        {
            return Refuse(StatusCodes.Status403Forbidden,
                $"The API key {key.Id} has the role '{key.Role}', which the gateway's roles file does not define; ask an admin to define it or to give the key another role.", key.Id);
        }

        if (!DashboardPermissions.MayView(role))
        {
            return Refuse(StatusCodes.Status403Forbidden,
                $"The role '{role.Name}' of API key {key.Id} may not open the dashboard; it needs '{DashboardPermissions.View}' in allow_methods. Ask an admin.", key.Id);
        }

        new DashboardViewer(key.Id, role).Attach(http);
        return await next(context).ConfigureAwait(false);
    }

    private IResult Refuse(int status, string message, string? keyId)
    {
        LogRefused(status, keyId, message);
        return DashboardErrors.Json(status, message);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard refused ({Status}) for key {KeyId}: {Reason}")]
    private partial void LogRefused(int status, string? keyId, string reason);
}
