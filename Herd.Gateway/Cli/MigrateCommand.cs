using System.CommandLine;
using Herd.Gateway.Ledger;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Herd.Gateway.Cli;

/// <summary>
/// <c>Herd.Gateway migrate</c>: brings the ledger's schema up to date and exits, for a deployment
/// step that runs before the gateways start (with <c>Herd:Gateway:Ledger:MigrateOnStart</c> off).
/// It reads the gateway's own configuration and tries once: exit code 0 when the schema is up to
/// date, <see cref="GatewayCommandLine.Failed"/> with the reason on standard error otherwise.
/// </summary>
public static class MigrateCommand
{
    public const string Name = "migrate";

    public static Command Create()
    {
        var settings = GatewaySettings.Create();
        var command = new Command(Name, "Bring the ledger's schema up to date and exit, trying once.") { settings };
        command.SetAction((parsed, cancellationToken) => RunAsync(parsed.GetValue(settings) ?? [], parsed.InvocationConfiguration.Error, cancellationToken));
        return command;
    }

    /// <param name="settings">Gateway settings for configuration (<c>--ConnectionStrings:ledger=...</c>).</param>
    private static async Task<int> RunAsync(string[] settings, TextWriter error, CancellationToken cancellationToken)
    {
        // The gateway's configuration sources, so that the command migrates the database the gateway uses.
        var builder = WebApplication.CreateBuilder(settings);
        try
        {
            builder.AddLedger();
        }
        catch (InvalidOperationException exception)
        {
            await error.WriteLineAsync($"Could not migrate the ledger: {exception.Message}").ConfigureAwait(false);
            return GatewayCommandLine.Failed;
        }

        await using var app = builder.Build();
        var database = Describe(LedgerExtensions.LedgerConnectionString(app.Configuration));
        try
        {
            await app.Services.GetRequiredService<LedgerMigrator>().MigrateAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or OptionsValidationException)
        {
            await error.WriteLineAsync($"Could not migrate the ledger at {database}: {LedgerMigrator.Describe(exception)}").ConfigureAwait(false);
            return GatewayCommandLine.Failed;
        }
    }

    /// <summary>Where the ledger is, without the password.</summary>
    internal static string Describe(string connectionString)
    {
        var parsed = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{parsed.Host}:{parsed.Port}/{parsed.Database ?? parsed.Username ?? "(default database)"}";
    }
}
