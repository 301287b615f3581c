namespace Herd.PeerBench;

/// <summary>
/// Resets the process's peak resident set (VmHWM) to its current resident set, so that the peak
/// read later belongs to what ran since: Linux's <c>/proc/self/clear_refs</c>, value 5.
/// </summary>
internal static class PeakResidentSet
{
    /// <returns>false where the system offers no reset (not Linux); the peak then covers the whole process.</returns>
    public static bool TryReset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
