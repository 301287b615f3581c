using Grpc.AspNetCore.Server;
using Herd.Gateway.Access;
using Herd.Gateway.Api.Grpc.Account;
using Herd.Gateway.Api.Grpc.Admin;
using Herd.Gateway.Api.Grpc.History;
using Herd.Gateway.Api.Grpc.Prompts;

namespace Herd.Gateway.Api.Grpc;

/// <summary>
/// Wires the gRPC door for clients: <c>herd.v1.Completions</c> and <c>herd.v1.Catalog</c>, and
/// with access control on the key check in front of them and the services over the ledger: key
/// administration (<c>herd.v1.Keys</c>), usage reports (<c>herd.v1.UsageReports</c>), a key's own
/// history (<c>herd.v1.History</c>), its account (<c>herd.v1.Account</c>), the prompt
/// repository (<c>herd.v1.Prompts</c>), the expert registry (<c>herd.v1.Experts</c>) and node
/// administration (<c>herd.v1.NodeAdmin</c>).
/// </summary>
public static class GrpcApiExtensions
{
    public static IHostApplicationBuilder AddGrpcApi(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddGrpcServer();
        var services = builder.Services;
        services.AddSingleton<ChatConversation.Factory>(provider =>
            (caller, requests, responses) => new ChatConversation(provider.GetRequiredService<Completions.CompletionRunner>(), caller, requests, responses));
        if (!AccessExtensions.IsAccessEnabled(builder.Configuration))
        {
            return builder;
        }

        services.AddSingleton<AccessInterceptor>();
        services.RequireKey<CompletionsService>();
        services.RequireKey<CatalogService>();
        services.RequireKey<NodeAdminService>();
        OnTheLedger<KeysService>(services);
        OnTheLedger<UsageReportsService>(services);
        OnTheLedger<HistoryService>(services);
        OnTheLedger<AccountService>(services);
        OnTheLedger<PromptsService>(services);
        OnTheLedger<ExpertsService>(services);
        return builder;
    }

    public static WebApplication MapGrpcApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcServer();
        app.MapGrpcService<CompletionsService>();
        app.MapGrpcService<CatalogService>();
        if (AccessExtensions.IsAccessEnabled(app.Configuration))
        {
            app.MapGrpcService<KeysService>();
            app.MapGrpcService<NodeAdminService>();
            app.MapGrpcService<UsageReportsService>();
            app.MapGrpcService<HistoryService>();
            app.MapGrpcService<AccountService>();
            app.MapGrpcService<PromptsService>();
            app.MapGrpcService<ExpertsService>();
        }

        return app;
    }

    /// <summary>Puts a service behind the <see cref="AccessInterceptor"/>: its calls need a key whose role allows the method.</summary>
    /// <remarks>
    /// Service options are configured directly rather than through <c>AddGrpc()</c>, which would
    /// bring back gRPC's own method provider (<see cref="GrpcServerExtensions.AddGrpcServer"/>).
    /// </remarks>
    public static IServiceCollection RequireKey<TService>(this IServiceCollection services)
        where TService : class =>
        services.Configure<GrpcServiceOptions<TService>>(options => options.Interceptors.Add<AccessInterceptor>());

    /// <summary>The key check first, so a caller without a key learns nothing about the ledger's state.</summary>
    private static void OnTheLedger<TService>(IServiceCollection services)
        where TService : class =>
        services.RequireKey<TService>()
            .Configure<GrpcServiceOptions<TService>>(options => options.Interceptors.Add<LedgerUnavailableInterceptor>());
}
