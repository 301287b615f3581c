using System.Globalization;

namespace Herd.Tests.AppHost;

/// <summary>Finds the processes a herd left on this machine, by the state folder and model cache only they carry.</summary>
internal static class HerdProcesses
{
    /// <summary>
    /// The command lines of the processes whose command line or environment names
    /// <paramref name="marker"/>, but for Aspire's own (DCP and the dashboard), which DCP ends once
    /// the app host has gone.
    /// </summary>
    public static IReadOnlyList<string> Carrying(string marker)
    {
        var found = new List<string>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var processId) || processId == Environment.ProcessId)
            {
                continue;
            }

            var commandLine = Read(Path.Combine(folder, "cmdline")).Replace('\0', ' ');
            if (!commandLine.Contains("/packages/aspire.", StringComparison.Ordinal)
                && (commandLine.Contains(marker, StringComparison.Ordinal) || Read(Path.Combine(folder, "environ")).Contains(marker, StringComparison.Ordinal)))
            {
                found.Add($"{processId}: {commandLine}");
            }
        }

        return found;
    }

    /// <summary>The program a DCP instance runs: the child of <c>dotnet run</c> for a project, else the process itself.</summary>
    public static int Program(int processId)
    {
        var children = Read($"/proc/{processId}/task/{processId}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return children.Length > 0 ? int.Parse(children[0], CultureInfo.InvariantCulture) : processId;
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Gone meanwhile, or not ours to read.
            return string.Empty;
        }
    }
}
