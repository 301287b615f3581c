using System.CommandLine;
using Herd.Cli.Commands;

var root = new RootCommand("herd: talk to a running herd, or measure its gateway.")
{
    CompleteCommand.Create(),
    BenchCommand.CreateGateway(),
    BenchCommand.CreateAccess(),
};
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // The errors and the command's help, both on standard error, and exit code 2: nothing ran, the arguments are to fix.
    await parsed.InvokeAsync(new InvocationConfiguration { Output = Console.Error });
    return 2;
}

return await parsed.InvokeAsync();
