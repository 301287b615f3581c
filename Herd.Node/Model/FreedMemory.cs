using System.Runtime.InteropServices;

namespace Herd.Node.Model;

/// <summary>
/// Hands the C heap's free memory back to the system. Loading allocates and frees a float32
/// copy of every matrix on its way to its stored form; glibc keeps freed memory below its
/// mapping threshold for reuse, so without this the resident set stays at the load's peak.
/// </summary>
internal static partial class FreedMemory
{
    public static void Release()
    {
        if (OperatingSystem.IsLinux())
        {
            // Returns whether anything was released; either way there is nothing more to do.
            _ = malloc_trim(0);
        }
    }

    [LibraryImport("libc")]
    private static partial int malloc_trim(nuint pad);
}
