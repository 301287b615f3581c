using Herd.Gateway.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Herd.Gateway.Ledger;

/// <summary>
/// <c>Herd.Gateway migrate</c>: brings the ledger's schema up to date and exits, for a deployment
/// step that runs before the gateways start (with <c>Herd:Gateway:Ledger:MigrateOnStart</c> off).
/// It reads the gateway's own configuration and tries once: exit code 0 when the schema is up to
/// date, 1 with the reason on standard error otherwise.
/// </summary>
public static class MigrateCommand
{
    public const string Name = "migrate";

    public static bool IsRequested(string[] args) => args is [Name, ..];

    /// <param name="args">The command line after <c>migrate</c>, for configuration (<c>--ConnectionStrings:ledger=...</c>).</param>
    public static async Task<int> RunAsync(string[] args, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        // The gateway's configuration sources, so that the command migrates the database the gateway uses.
        var builder = WebApplication.CreateBuilder(args);
        try
        {
            builder.AddLedger();
        }
        catch (InvalidOperationException exception)
        {
            await error.WriteLineAsync($"Could not migrate the ledger: {exception.Message}").ConfigureAwait(false);
            return 1;
        }

        await using var app = builder.Build();
        var database = Describe(LedgerExtensions.LedgerConnectionString(app.Configuration));
        try
        {
            await app.Services.GetRequiredService<LedgerMigrator>().MigrateAsync(CancellationToken.None).ConfigureAwait(false);
            return 0;
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or OptionsValidationException)
        {
            await error.WriteLineAsync($"Could not migrate the ledger at {database}: {LedgerMigrator.Describe(exception)}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>Where the ledger is, without the password.</summary>
    internal static string Describe(string connectionString)
    {
        var parsed = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{parsed.Host}:{parsed.Port}/{parsed.Database ?? parsed.Username ?? "(default database)"}";
    }
}
