using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Herd.Node.Cli;

/// <summary>Logs for the command line go to standard error, so standard output carries only results.</summary>
internal static class CliLogging
{
    public static ILoggerFactory Create() => LoggerFactory.Create(logging => logging
        .AddSimpleConsole(console => console.SingleLine = true)
        .AddFilter("Microsoft", LogLevel.Warning)
        .Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
}
