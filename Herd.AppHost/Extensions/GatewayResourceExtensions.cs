using Herd.AppHost.Resources;

namespace Herd.AppHost.Extensions;

/// <summary>Herd's settings on the gateway resource.</summary>
public static class GatewayResourceExtensions
{
    /// <summary>
    /// Run here, the first gateway to reach an empty ledger writes an admin key to the state
    /// folder's <c>admin.key</c>: the key that creates the herd's other keys. Published, the first
    /// key comes from <c>Herd.Gateway create-key</c> instead (see docs/deployment.md).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithAdminKey(this IResourceBuilder<ProjectResource> gateway, StateFolder state)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(state);
        if (!gateway.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            return gateway;
        }

        return gateway
            .WithAnnotation(new AdminKeyFileAnnotation(state.AdminKeyFile))
            .WithEnvironment("Herd__Gateway__Access__BootstrapKeyFile", state.AdminKeyFile);
    }

    /// <summary>
    /// Links the gateway's own web app of nodes, queue, usage, history and keys (<c>/app</c>,
    /// signed in with an API key), and its HTTP API explorer (<c>/explorer</c>), from the gateway's
    /// row of the Aspire dashboard, in place of the bare HTTP endpoint, which serves nothing at its root.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithHerdWebAppUrl(this IResourceBuilder<ProjectResource> gateway)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        return gateway
            .WithUrlForEndpoint("Grpc", url => url.DisplayText = "gRPC")
            .WithUrlForEndpoint("Http", url => url.DisplayLocation = UrlDisplayLocation.DetailsOnly)
            .WithUrl(ReferenceExpression.Create($"{gateway.GetEndpoint("http")}/app"), "Herd web app")
            .WithUrl(ReferenceExpression.Create($"{gateway.GetEndpoint("http")}/explorer"), "HTTP API explorer");
    }
}
