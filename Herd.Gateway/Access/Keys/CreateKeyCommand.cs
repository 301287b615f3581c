using System.Data.Common;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Extensions;
using Herd.Gateway.Ledger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Herd.Gateway.Access.Keys;

/// <summary>
/// <c>Herd.Gateway create-key --role &lt;role&gt; --name &lt;name&gt;</c>: creates an API key in the
/// ledger and prints it, for the first admin key of a herd that has no bootstrap key file (one
/// deployed on Kubernetes, say). It reads the gateway's own configuration, so the role is checked
/// against the roles file the gateway reads and the key is hashed as the gateway hashes keys. It
/// migrates the ledger first when the gateway would on start (<c>Herd:Gateway:Ledger:MigrateOnStart</c>,
/// on by default), and otherwise requires it migrated. The key goes to standard output, alone on
/// one line; everything else to standard error. Exit code 0 when the key was created,
/// <see cref="BadUsage"/> for arguments or configuration to fix, <see cref="Failed"/> when the
/// ledger could not be reached or refused the key.
/// </summary>
public static class CreateKeyCommand
{
    public const string Name = "create-key";

    public const int Failed = 1;
    public const int BadUsage = 2;

    public const string Usage =
        "Usage: dotnet Herd.Gateway.dll create-key --role <role> --name <name> [gateway settings, such as --ConnectionStrings:ledger=...]";

    private const string RoleOption = "--role";
    private const string NameOption = "--name";
    private const string OwnerOption = "--owner";
    private const string HelpOption = "--help";

    public static bool IsRequested(string[] args) => args is [Name, ..];

    /// <param name="args">The command line after <c>create-key</c>: the options above, and gateway settings for configuration.</param>
    /// <param name="output">Where the key goes, and nothing else.</param>
    /// <param name="error">Where what happened goes, for a person to read.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            if (args.Contains(HelpOption, StringComparer.Ordinal))
            {
                await output.WriteLineAsync(Usage).ConfigureAwait(false);
                return 0;
            }

            var (request, settings) = Parse(args);
            await using var app = Build(settings);
            RequireKnownRole(app.Services, request.Role);
            var database = MigrateCommand.Describe(LedgerExtensions.LedgerConnectionString(app.Configuration));
            var created = await CreateAsync(app.Services, request.Name, request.Role, database, error).ConfigureAwait(false);
            await output.WriteLineAsync(created.Secret).ConfigureAwait(false);
            await error.WriteLineAsync(
                $"Created API key {created.Key.Id} with role {created.Key.Role}, named '{created.Key.Name}', in the ledger at {database}. The key, on standard output, is shown this once: keep it secret.").ConfigureAwait(false);
            return 0;
        }
        catch (CommandException exception)
        {
            await error.WriteLineAsync(exception.Message).ConfigureAwait(false);
            if (exception.ShowUsage)
            {
                await error.WriteLineAsync(Usage).ConfigureAwait(false);
            }

            return exception.ExitCode;
        }
    }

    /// <summary>
    /// The command's own options, and the rest for configuration. A setting may be written
    /// <c>--Key=value</c> or <c>--Key value</c>, as the gateway reads them; anything that is neither
    /// would be dropped by configuration without a word, so it is refused here.
    /// </summary>
    private static (KeyRequest Request, string[] Settings) Parse(string[] args)
    {
        string? role = null;
        string? name = null;
        var settings = new List<string>();
        for (var index = 0; index < args.Length; index++)
        {
            var argument = args[index];
            var (option, inlineValue) = Split(argument);
            switch (option)
            {
                case RoleOption:
                    role = Take(ref index, args, option, inlineValue, role);
                    break;
                case NameOption:
                    name = Take(ref index, args, option, inlineValue, name);
                    break;
                case OwnerOption:
                    throw CommandException.Usage(
                        $"{OwnerOption} is not supported: the ledger keeps no owner for a key. Say whom the key is for in {NameOption}, such as {NameOption} \"first admin (ops team)\".");
                default:
                    if (!argument.StartsWith('-') && !argument.StartsWith('/'))
                    {
                        throw CommandException.Usage($"Unexpected argument '{argument}': give the role with {RoleOption} and the name with {NameOption}.");
                    }

                    settings.Add(argument);
                    if (inlineValue is null && index + 1 < args.Length)
                    {
                        settings.Add(args[++index]);
                    }

                    break;
            }
        }

        return role is null || name is null
            ? throw CommandException.Usage($"{(role is null ? RoleOption : NameOption)} is required.")
            : (new KeyRequest(role, name), settings.ToArray());
    }

    /// <summary><c>--option=value</c> as the option and its value; any other argument as itself with no value.</summary>
    private static (string Option, string? Value) Split(string argument)
    {
        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (argument, null) : (argument[..equals], argument[(equals + 1)..]);
    }

    private static string Take(ref int index, string[] args, string option, string? inlineValue, string? earlier)
    {
        if (earlier is not null)
        {
            throw CommandException.Usage($"{option} is given twice; give it once.");
        }

        if (inlineValue is not null)
        {
            return inlineValue;
        }

        // A value that looks like an option is more likely a forgotten value than a role or name.
        return index + 1 < args.Length && !args[index + 1].StartsWith("--", StringComparison.Ordinal)
            ? args[++index]
            : throw CommandException.Usage($"{option} needs a value (write {option}=<value> for a value that starts with --).");
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
        }
        catch (InvalidOperationException exception)
        {
            // A missing or malformed ConnectionStrings:ledger; the message says what to set.
            throw CommandException.Usage(exception.Message, showUsage: false);
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
            throw CommandException.Usage(exception.Message, showUsage: false);
        }

        if (roles.TryGet(name, out _))
        {
            return;
        }

        var given = name.Length <= ApiKeyRecord.MaxRoleLength ? $"'{name}'" : $"of {name.Length} characters";
        var known = string.Join(", ", roles.Roles.Select(role => role.Name));
        throw CommandException.Usage($"The role {given} is not in the roles file {roles.FilePath}; use one of: {known}.", showUsage: false);
    }

    private static async Task<CreatedApiKey> CreateAsync(IServiceProvider services, string name, string role, string database, TextWriter error)
    {
        // The same rule as the Keys service: control characters in a name would let it forge lines in logs and listings.
        if (name.Any(char.IsControl))
        {
            throw CommandException.Usage($"{NameOption} must not hold control characters (line breaks, tabs, escapes); write it on one line.", showUsage: false);
        }

        try
        {
            await PrepareLedgerAsync(services, database, error).ConfigureAwait(false);
            return await services.GetRequiredService<ApiKeyStore>().CreateAsync(name, role).ConfigureAwait(false);
        }
        catch (OptionsValidationException exception)
        {
            throw CommandException.Usage(exception.Message, showUsage: false);
        }
        catch (ArgumentException exception)
        {
            // The store's own checks on the name, the same as for keys created through the API.
            throw CommandException.Usage($"{NameOption}: {WithoutParameterName(exception)}", showUsage: false);
        }
        catch (Exception exception) when (LedgerMigrator.IsUnreachable(exception))
        {
            throw new CommandException(
                Failed,
                $"Could not create the key: the ledger at {database} cannot be reached ({LedgerMigrator.Describe(exception)}). Check ConnectionStrings:ledger and that PostgreSQL is up, then run the command again.");
        }
        catch (Exception exception) when (exception is DbException or DbUpdateException or InvalidOperationException)
        {
            throw new CommandException(Failed, $"Could not create the key in the ledger at {database}: {LedgerMigrator.Describe(exception)}");
        }
    }

    /// <summary>
    /// Migrates the ledger when the gateway would on start, so that the command works on a new
    /// database as a first gateway would; otherwise the schema must already be current, because
    /// with migrating on start off the gateway's database user may not be allowed to change it.
    /// </summary>
    private static async Task PrepareLedgerAsync(IServiceProvider services, string database, TextWriter error)
    {
        if (services.GetRequiredService<IOptions<LedgerOptions>>().Value.MigrateOnStart)
        {
            var applied = await services.GetRequiredService<LedgerMigrator>().MigrateAsync(CancellationToken.None).ConfigureAwait(false);
            if (applied.Count > 0)
            {
                await error.WriteLineAsync($"Migrated the ledger at {database} ({applied.Count} migrations applied).").ConfigureAwait(false);
            }

            return;
        }

        var contexts = services.GetRequiredService<IDbContextFactory<LedgerDbContext>>();
        await using var context = await contexts.CreateDbContextAsync().ConfigureAwait(false);
        var pending = (await context.Database.GetPendingMigrationsAsync().ConfigureAwait(false)).Count();
        if (pending > 0)
        {
            throw new CommandException(
                Failed,
                $"The ledger at {database} is not migrated ({pending} migrations pending), and with Herd:Gateway:Ledger:MigrateOnStart off this command does not migrate it: run `dotnet Herd.Gateway.dll migrate` first, then this command again.");
        }
    }

    private static string WithoutParameterName(ArgumentException exception) =>
        exception.ParamName is null ? exception.Message : exception.Message.Replace($" (Parameter '{exception.ParamName}')", "", StringComparison.Ordinal);

    private sealed record KeyRequest(string Role, string Name);

    /// <summary>An expected failure: its message is for the operator, its exit code for the script that ran the command.</summary>
    private sealed class CommandException(int exitCode, string message, bool showUsage = false) : Exception(message)
    {
        public int ExitCode { get; } = exitCode;

        public bool ShowUsage { get; } = showUsage;

        public static CommandException Usage(string message, bool showUsage = true) => new(BadUsage, message, showUsage);
    }
}
