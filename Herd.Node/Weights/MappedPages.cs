using System.Runtime.InteropServices;

namespace Herd.Node.Weights;

/// <summary>
/// Gives back the pages of a read-only file mapping once their bytes have been copied. Mapped
/// pages count in the process's resident set until unmapped, so without this a checkpoint's
/// whole file would stay resident beside the weights made from it until loading ends. The page
/// cache keeps them; a later read of the same bytes faults them back in.
/// </summary>
internal static partial class MappedPages
{
    // MADV_DONTNEED in Linux's mman.h.
    private const int DontNeed = 4;

    public static void Release(nint address, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0)
        {
            return;
        }

        // Whole pages from the one the range starts in; the kernel rounds the length up. Failing
        // only leaves the pages resident, so the result is not checked.
        var start = address & ~(nint)(Environment.SystemPageSize - 1);
        _ = madvise(start, (nuint)(address + (nint)length - start), DontNeed);
    }

    [LibraryImport("libc")]
    private static partial int madvise(nint address, nuint length, int advice);
}
