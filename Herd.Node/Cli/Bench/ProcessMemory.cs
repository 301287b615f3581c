namespace Herd.Node.Cli.Bench;

/// <summary>The process's resident memory as Linux reports it in /proc/self/status.</summary>
internal static class ProcessMemory
{
    public static long ResidentBytes => Read("VmRSS:");

    public static long PeakResidentBytes => Read("VmHWM:");

    private static long Read(string field)
    {
        if (!File.Exists("/proc/self/status"))
        {
            return Environment.WorkingSet;
        }

        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        // "VmHWM:\t  812345 kB": from 10 GB up no space is left between the tab and the number.
        var kilobytes = line?.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1];
        return kilobytes is null ? 0 : long.Parse(kilobytes, System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
