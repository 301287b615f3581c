using System.Runtime.InteropServices;

namespace Herd.AppHost.Hosting;

/// <summary>Sends POSIX signals, which .NET's Process class cannot (it only kills).</summary>
internal static partial class Posix
{
    public const int SigTerm = 15;

    public static bool TrySignal(int processId, int signal) => kill(processId, signal) == 0;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
