using Herd.Gateway.Ledger.Outbox;
using Herd.Gateway.Queue;
using Herd.Gateway.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Herd.Gateway.Ledger;

/// <summary>Wires the ledger in PostgreSQL: its database context and migrator, and the usage outbox that feeds it (<see cref="AddUsageOutbox"/>).</summary>
public static class LedgerExtensions
{
    /// <summary>The Aspire-convention connection string name of the ledger's PostgreSQL database.</summary>
    public const string LedgerConnectionName = "ledger";

    public static IHostApplicationBuilder AddLedger(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = LedgerConnectionString(builder.Configuration);
        var services = builder.Services;
        services.AddOptions<LedgerOptions>().BindConfiguration(LedgerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // A factory, not Aspire's AddNpgsqlDbContext (a pooled context per scope): the ledger's users
        // are singletons and background services that make a context for each piece of work.
        services.AddDbContextFactory<LedgerDbContext>(options => LedgerDbContext.Configure(options, connectionString));
        builder.EnrichNpgsqlDbContext<LedgerDbContext>(settings =>
        {
            // Aspire's retrying execution strategy would run a failed statement up to six more times,
            // waiting up to 30 s between tries, before the caller heard of it. Herd tries again where
            // that is safe, and says so: the migrator waits out PostgreSQL, logging each attempt; the
            // outbox writer keeps records until the ledger is back; a call answers UNAVAILABLE at once
            // for the client to retry. A retry after a dropped connection would also run on a new
            // session, which does not hold the migrator's advisory lock.
            settings.DisableRetry = true;
            // Aspire's check runs the same SELECT 1 as LedgerHealthCheck (below), but on every probe
            // and for as long as PostgreSQL takes; Herd's shares one probe a second among /health,
            // the gRPC health service and its publisher, and answers within ProbeTimeout.
            settings.DisableHealthChecks = true;
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<LedgerMigrator>();
        services.AddHostedService(provider => provider.GetRequiredService<LedgerMigrator>());
        // Keys are checked against the ledger: without it the gateway can serve no one.
        services.AddHealthChecks().AddCheck<LedgerHealthCheck>(LedgerHealthCheck.Name);
        return builder;
    }

    /// <summary>The way usage records reach the ledger: the outbox in Redis, the writer that empties it, the sweeper of abandoned requests.</summary>
    /// <remarks>Needs Redis (<c>AddQueue</c>) and <see cref="AddLedger"/> first.</remarks>
    public static IHostApplicationBuilder AddUsageOutbox(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddGatewayTelemetry();
        var services = builder.Services;
        services.AddSingleton(provider => new UsageOutbox(
            provider.GetRequiredService<IConnectionMultiplexer>(),
            provider.GetRequiredService<IOptions<QueueOptions>>().Value.KeyPrefix,
            provider.GetRequiredService<ILogger<UsageOutbox>>()));
        services.AddHostedService<LedgerWriter>();
        services.AddSingleton<AbandonedRequestSweeper>();
        services.AddHostedService(provider => provider.GetRequiredService<AbandonedRequestSweeper>());
        services.AddHostedService<OutboxLagReader>();
        return builder;
    }

    /// <summary>
    /// <c>ConnectionStrings:ledger</c>, checked to be an Npgsql connection string that names a host.
    /// </summary>
    /// <exception cref="InvalidOperationException">It is missing or malformed; the message says what to set.</exception>
    public static string LedgerConnectionString(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration.GetConnectionString(LedgerConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{LedgerConnectionName} is not set. The gateway keeps API keys and usage in PostgreSQL: set it (for example ConnectionStrings__{LedgerConnectionName}=\"Host=localhost;Database=herd;Username=herd;Password=...\"), or start the herd with Herd.AppHost, which does.");
        }

        NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException exception)
        {
            throw NotAConnectionString(exception.Message, exception);
        }

        return string.IsNullOrWhiteSpace(parsed.Host)
            ? throw NotAConnectionString("it names no Host", null)
            : connectionString;
    }

    // The connection string itself is not repeated: it may hold a password.
    private static InvalidOperationException NotAConnectionString(string problem, Exception? inner) =>
        new($"ConnectionStrings:{LedgerConnectionName} is not a PostgreSQL connection string ({problem}). Use Npgsql's keyword syntax, for example Host=localhost;Port=5432;Database=herd;Username=herd;Password=...", inner);
}
