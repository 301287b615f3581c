using Herd.Gateway.Access;
using Herd.Gateway.Admission;
using Herd.Gateway.Api.Grpc;
using Herd.Gateway.Api.Http;
using Herd.Gateway.Api.Http.Explorer;
using Herd.Gateway.Completions;
using Herd.Gateway.Experts;
using Herd.Gateway.Ledger;
using Herd.Gateway.Nodes;
using Herd.Gateway.Prompts;
using Herd.Gateway.Queue;
using Herd.Gateway.Relay;
using Herd.Gateway.WebApp;

namespace Herd.Gateway;

/// <summary>
/// The gateway's composition root: each folder wires its own part, in the order a request meets
/// them. With access control off there are no keys, no ledger and nothing is counted.
/// </summary>
public static class GatewayExtensions
{
    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var access = AccessExtensions.IsAccessEnabled(builder.Configuration);
        builder.AddGrpcApi();
        builder.AddQueue();
        // The relay listens before dispatch starts serving jobs.
        builder.AddRelay();
        builder.AddNodes();
        builder.AddAccess();
        if (access)
        {
            builder.AddLedger();
            builder.AddUsageOutbox();
            builder.AddExpertRegistry();
            builder.AddWebApp();
        }

        builder.AddAdmission(keyed: access);
        builder.AddCompletions(recordUsage: access);
        builder.AddPrompts(repository: access);
        builder.AddHttpApi();
        builder.AddExplorer();
        return builder;
    }

    public static WebApplication MapGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapNodeLinks();
        app.MapGrpcApi();
        app.MapHttpApi();
        app.MapExplorer();
        if (AccessExtensions.IsAccessEnabled(app.Configuration))
        {
            app.MapWebApp();
        }

        return app;
    }
}
