using Grpc.AspNetCore.Server;
using Herd.Gateway.Account;
using Herd.Gateway.Admin;
using Herd.Gateway.History;

namespace Herd.Gateway.Extensions;

/// <summary>
/// Wires the gRPC services that read and write the ledger for clients: key administration
/// (<c>herd.v1.Keys</c>), usage reports (<c>herd.v1.UsageReports</c>), a key's own history
/// (<c>herd.v1.History</c>) and its account: limits, rates and budget (<c>herd.v1.Account</c>). Each is behind the key check, so the caller's role decides who may
/// call which; they exist only with access control on (<see cref="AccessExtensions.AddAccess"/>).
/// </summary>
public static class LedgerApiExtensions
{
    public static IHostApplicationBuilder AddLedgerApi(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var grpc = builder.Services.AddGrpc();
        OnTheLedger<KeysService>(grpc);
        OnTheLedger<UsageReportsService>(grpc);
        OnTheLedger<HistoryService>(grpc);
        OnTheLedger<AccountService>(grpc);
        return builder;
    }

    public static WebApplication MapLedgerApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<KeysService>();
        app.MapGrpcService<UsageReportsService>();
        app.MapGrpcService<HistoryService>();
        app.MapGrpcService<AccountService>();
        return app;
    }

    /// <summary>The key check first, so a caller without a key learns nothing about the ledger's state.</summary>
    private static void OnTheLedger<TService>(IGrpcServerBuilder grpc)
        where TService : class =>
        grpc.RequireKey<TService>()
            .AddServiceOptions<TService>(options => options.Interceptors.Add<LedgerUnavailableInterceptor>());
}
