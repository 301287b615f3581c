using Herd.Gateway.Access;
using Herd.Gateway.Ledger;
using Herd.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herd.Tests.Gateway.Ledger;

/// <summary>
/// The ledger wired the way the gateway wires it (<see cref="LedgerExtensions.AddLedger"/>), over
/// a database of the test's own; the host is built but only started by tests that say so.
/// </summary>
internal sealed class LedgerHost : IAsyncDisposable
{
    private readonly IHost _host;

    private LedgerHost(IHost host, string connectionString, RecordingLoggerProvider logs)
    {
        _host = host;
        ConnectionString = connectionString;
        Logs = logs;
    }

    public string ConnectionString { get; }

    public RecordingLoggerProvider Logs { get; }

    public IServiceProvider Services => _host.Services;

    public LedgerMigrator Migrator => Services.GetRequiredService<LedgerMigrator>();

    /// <summary>A fresh database, migrated unless <paramref name="migrate"/> is false.</summary>
    public static async Task<LedgerHost> CreateAsync(
        PostgresServer postgres, bool migrate = true, IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var connectionString = await postgres.CreateDatabaseAsync($"ledger_{Guid.NewGuid():N}");
        var host = Build(connectionString, settings, time);
        if (migrate)
        {
            await host.Migrator.MigrateAsync(CancellationToken.None);
        }

        return host;
    }

    public static LedgerHost Build(string connectionString, IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{LedgerExtensions.LedgerConnectionName}"] = connectionString,
        });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        var logs = new RecordingLoggerProvider();
        builder.Logging.AddProvider(logs);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.AddLedger();
        builder.AddKeys();
        return new LedgerHost(builder.Build(), connectionString, logs);
    }

    public Task StartAsync() => _host.StartAsync();

    public Task StopAsync() => _host.StopAsync();

    public LedgerDbContext CreateContext() => Services.GetRequiredService<IDbContextFactory<LedgerDbContext>>().CreateDbContext();

    public async ValueTask DisposeAsync()
    {
        if (_host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            _host.Dispose();
        }
    }
}
