using System.Diagnostics;

namespace Herd.Tests.Fixtures;

/// <summary>Runs a program to completion and fails with its output when it fails.</summary>
internal static class Command
{
    public static async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(fileName);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var description = $"'{fileName} {string.Join(' ', startInfo.ArgumentList)}'";
        await using var process = ChildProcess.Start(description, startInfo);
        var exitCode = await process.WaitForExitAsync(timeout);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{description} exited with {exitCode}:\n{process.Output}");
        }

        return process.Output;
    }
}
