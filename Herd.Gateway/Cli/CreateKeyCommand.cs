using System.CommandLine;
using System.Data.Common;
using Herd.Gateway.Access;
using Herd.Gateway.Access.Keys;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Ledger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Herd.Gateway.Cli;

/// <summary>
/// <c>Herd.Gateway create-key --role &lt;role&gt; --name &lt;name&gt;</c>: creates an API key in the
/// ledger and prints it, for the first admin key of a herd that has no bootstrap key file (one
/// deployed on Kubernetes, say). It reads the gateway's own configuration, so the role is checked
/// against the roles file the gateway reads and the key is hashed as the gateway hashes keys. It
/// migrates the ledger first when the gateway would on start (<c>Herd:Gateway:Ledger:MigrateOnStart</c>,
/// on by default), and otherwise requires it migrated. The key goes to standard output, alone on
/// one line; everything else to standard error. Exit code 0 when the key was created,
/// <see cref="GatewayCommandLine.BadUsage"/> for arguments or configuration to fix,
/// <see cref="GatewayCommandLine.Failed"/> when the ledger could not be reached or refused the key.
/// </summary>
public static class CreateKeyCommand
{
    public const string Name = "create-key";

    private const string NameOption = "--name";

    public static Command Create()
    {
        var role = new Option<string>("--role") { Description = "The key's role, one of the roles file's (Herd:Gateway:Access:RolesFile).", Required = true };
        var name = new Option<string>(NameOption) { Description = "What the key is for and whom, shown wherever keys are listed.", Required = true };
        // The ledger keeps no owner for a key. Taken for a gateway setting, --owner would be dropped
        // without a word, so it is refused by name.
        var owner = new Option<string>("--owner") { Hidden = true };
        owner.Validators.Add(result => result.AddError(
            $"--owner is not supported: the ledger keeps no owner for a key. Say whom the key is for in {NameOption}, such as {NameOption} \"first admin (ops team)\"."));
        RefuseOptionForValue(role);
        RefuseOptionForValue(name);
        var settings = GatewaySettings.Create();
        var command = new Command(Name, "Create an API key in the ledger and print it on standard output, alone on one line.") { role, name, owner, settings };
        command.SetAction((parsed, cancellationToken) => RunAsync(
            new KeyRequest(parsed.GetRequiredValue(role), parsed.GetRequiredValue(name)),
            parsed.GetValue(settings) ?? [],
            parsed.InvocationConfiguration.Output,
            parsed.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    /// <summary>
    /// A value that starts with <c>--</c> is more likely the next option or setting, its own value
    /// forgotten, than a role or a name. The message does not repeat it: a setting may hold a password.
    /// </summary>
    private static void RefuseOptionForValue(Option<string> option) =>
        option.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value: var value }] && value.StartsWith("--", StringComparison.Ordinal))
            {
                result.AddError($"{option.Name} needs a value, and what follows it starts with --: give the value right after {option.Name}.");
            }
        });

    private static async Task<int> RunAsync(KeyRequest request, string[] settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            await using var app = Build(settings);
            RequireKnownRole(app.Services, request.Role);
            var database = MigrateCommand.Describe(LedgerExtensions.LedgerConnectionString(app.Configuration));
            var created = await CreateAsync(app.Services, request.Name, request.Role, database, error, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(created.Secret).ConfigureAwait(false);
            await error.WriteLineAsync(
                $"Created API key {created.Key.Id} with role {created.Key.Role}, named '{created.Key.Name}', in the ledger at {database}. The key, on standard output, is shown this once: keep it secret.").ConfigureAwait(false);
            return 0;
        }
        catch (CommandException exception)
        {
            await error.WriteLineAsync(exception.Message).ConfigureAwait(false);
            return exception.ExitCode;
        }
    }

    /// <summary>The gateway's configuration sources and its roles and ledger wiring, with nothing logged: standard output is for the key alone.</summary>
    private static WebApplication Build(string[] settings)
    {
        var builder = WebApplication.CreateBuilder(settings);
        builder.Logging.ClearProviders();
        try
        {
            builder.AddRoles();
            builder.AddLedger();
            builder.AddKeys();
        }
        catch (InvalidOperationException exception)
        {
            // A missing or malformed ConnectionStrings:ledger; the message says what to set.
            throw CommandException.Usage(exception.Message);
        }

        return builder.Build();
    }

    private static void RequireKnownRole(IServiceProvider services, string name)
    {
        RoleCatalog roles;
        try
        {
            roles = services.GetRequiredService<RoleCatalog>();
        }
        catch (Exception exception) when (exception is RolesFileException or OptionsValidationException)
        {
            throw CommandException.Usage(exception.Message);
        }

        if (roles.TryGet(name, out _))
        {
            return;
        }

        var given = name.Length <= ApiKeyRecord.MaxRoleLength ? $"'{name}'" : $"of {name.Length} characters";
        var known = string.Join(", ", roles.Roles.Select(role => role.Name));
        throw CommandException.Usage($"The role {given} is not in the roles file {roles.FilePath}; use one of: {known}.");
    }

    private static async Task<CreatedApiKey> CreateAsync(
        IServiceProvider services, string name, string role, string database, TextWriter error, CancellationToken cancellationToken)
    {
        // The same rule as the Keys service: control characters in a name would let it forge lines in logs and listings.
        if (name.Any(char.IsControl))
        {
            throw CommandException.Usage($"{NameOption} must not hold control characters (line breaks, tabs, escapes); write it on one line.");
        }

        try
        {
            await PrepareLedgerAsync(services, database, error, cancellationToken).ConfigureAwait(false);
            return await services.GetRequiredService<ApiKeyStore>().CreateAsync(name, role, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (OptionsValidationException exception)
        {
            throw CommandException.Usage(exception.Message);
        }
        catch (ArgumentException exception)
        {
            // The store's own checks on the name, the same as for keys created through the API.
            throw CommandException.Usage($"{NameOption}: {WithoutParameterName(exception)}");
        }
        catch (Exception exception) when (LedgerMigrator.IsUnreachable(exception))
        {
            throw new CommandException(
                GatewayCommandLine.Failed,
                $"Could not create the key: the ledger at {database} cannot be reached ({LedgerMigrator.Describe(exception)}). Check ConnectionStrings:ledger and that PostgreSQL is up, then run the command again.");
        }
        catch (Exception exception) when (exception is DbException or DbUpdateException or InvalidOperationException)
        {
            throw new CommandException(GatewayCommandLine.Failed, $"Could not create the key in the ledger at {database}: {LedgerMigrator.Describe(exception)}");
        }
    }

    /// <summary>
    /// Migrates the ledger when the gateway would on start, so that the command works on a new
    /// database as a first gateway would; otherwise the schema must already be current, because
    /// with migrating on start off the gateway's database user may not be allowed to change it.
    /// </summary>
    private static async Task PrepareLedgerAsync(IServiceProvider services, string database, TextWriter error, CancellationToken cancellationToken)
    {
        if (services.GetRequiredService<IOptions<LedgerOptions>>().Value.MigrateOnStart)
        {
            var applied = await services.GetRequiredService<LedgerMigrator>().MigrateAsync(cancellationToken).ConfigureAwait(false);
            if (applied.Count > 0)
            {
                await error.WriteLineAsync($"Migrated the ledger at {database} ({applied.Count} migrations applied).").ConfigureAwait(false);
            }

            return;
        }

        var contexts = services.GetRequiredService<IDbContextFactory<LedgerDbContext>>();
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var pending = (await context.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)).Count();
        if (pending > 0)
        {
            throw new CommandException(
                GatewayCommandLine.Failed,
                $"The ledger at {database} is not migrated ({pending} migrations pending), and with Herd:Gateway:Ledger:MigrateOnStart off this command does not migrate it: run `dotnet Herd.Gateway.dll migrate` first, then this command again.");
        }
    }

    private static string WithoutParameterName(ArgumentException exception) =>
        exception.ParamName is null ? exception.Message : exception.Message.Replace($" (Parameter '{exception.ParamName}')", "", StringComparison.Ordinal);

    private sealed record KeyRequest(string Role, string Name);

    /// <summary>An expected failure: its message is for the operator, its exit code for the script that ran the command.</summary>
    private sealed class CommandException(int exitCode, string message) : Exception(message)
    {
        public int ExitCode { get; } = exitCode;

        public static CommandException Usage(string message) => new(GatewayCommandLine.BadUsage, message);
    }
}
