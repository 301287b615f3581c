using System.CommandLine;
using Herd.Cli.Commands;

var root = new RootCommand("herd: talk to a running herd, or measure its gateway.")
{
    CompleteCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
