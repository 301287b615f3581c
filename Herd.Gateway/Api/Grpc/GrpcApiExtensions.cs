using Grpc.AspNetCore.Server;
using Herd.Gateway.Access;
using Herd.Gateway.Api.Grpc.Account;
using Herd.Gateway.Api.Grpc.Admin;
using Herd.Gateway.Api.Grpc.History;

namespace Herd.Gateway.Api.Grpc;

/// <summary>
/// Wires the gRPC door for clients: <c>herd.v1.Completions</c> and <c>herd.v1.Catalog</c>, and
/// with access control on the key check in front of them and the services over the ledger: key
/// administration (<c>herd.v1.Keys</c>), usage reports (<c>herd.v1.UsageReports</c>), a key's own
/// history (<c>herd.v1.History</c>) and its account (<c>herd.v1.Account</c>).
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
        var grpc = services.AddGrpc()
            .RequireKey<CompletionsService>()
            .RequireKey<CatalogService>();
        OnTheLedger<KeysService>(grpc);
        OnTheLedger<UsageReportsService>(grpc);
        OnTheLedger<HistoryService>(grpc);
        OnTheLedger<AccountService>(grpc);
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
            app.MapGrpcService<UsageReportsService>();
            app.MapGrpcService<HistoryService>();
            app.MapGrpcService<AccountService>();
        }

        return app;
    }

    /// <summary>Puts a service behind the <see cref="AccessInterceptor"/>: its calls need a key whose role allows the method.</summary>
    public static IGrpcServerBuilder RequireKey<TService>(this IGrpcServerBuilder grpc)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(grpc);
        return grpc.AddServiceOptions<TService>(options => options.Interceptors.Add<AccessInterceptor>());
    }

    /// <summary>The key check first, so a caller without a key learns nothing about the ledger's state.</summary>
    private static void OnTheLedger<TService>(IGrpcServerBuilder grpc)
        where TService : class =>
        grpc.RequireKey<TService>()
            .AddServiceOptions<TService>(options => options.Interceptors.Add<LedgerUnavailableInterceptor>());
}
