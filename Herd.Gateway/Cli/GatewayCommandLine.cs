using System.CommandLine;

namespace Herd.Gateway.Cli;

/// <summary>
/// The gateway's commands for operators: <c>migrate</c> and <c>create-key</c>. Each reads the
/// gateway's own configuration (its appsettings.json, the environment, and settings after the
/// command), does its work and exits.
/// </summary>
public static class GatewayCommandLine
{
    /// <summary>The exit code of a command that could not do its work: the ledger was unreachable or refused it.</summary>
    public const int Failed = 1;

    /// <summary>The exit code for arguments or configuration to fix; the command did nothing.</summary>
    public const int BadUsage = 2;

    /// <summary>True when the arguments name a command; otherwise the gateway runs as a service.</summary>
    public static bool Handles(string[] args) => args is [MigrateCommand.Name or CreateKeyCommand.Name, ..];

    /// <param name="output">Where a command's result goes (the key <c>create-key</c> made, or help asked for), and nothing else.</param>
    /// <param name="error">Where what happened goes, for a person to read.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("Herd gateway: serves the herd; these commands prepare its ledger.")
        {
            MigrateCommand.Create(),
            CreateKeyCommand.Create(),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // The errors and the command's help, both on standard error: standard output stays empty,
            // so that a script that captures it never takes a message for a key.
            await parsed.InvokeAsync(new InvocationConfiguration { Output = error, Error = error });
            return BadUsage;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
    }
}
