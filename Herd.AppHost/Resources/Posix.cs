using System.Runtime.InteropServices;

namespace Herd.AppHost.Resources;

/// <summary>POSIX calls .NET does not offer: signals (Process only kills), the effective user, file ownership.</summary>
internal static partial class Posix
{
    public const int SigInt = 2;

    public const int SigTerm = 15;

    public static bool IsRoot => geteuid() == 0;

    public static bool TrySignal(int processId, int signal) => kill(processId, signal) == 0;

    /// <exception cref="IOException">The owner could not be changed.</exception>
    public static void ChangeOwner(string path, int userId, int groupId)
    {
        if (chown(path, userId, groupId) != 0)
        {
            throw new IOException($"Could not give {path} to user {userId}: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chown(string path, int owner, int group);
}
