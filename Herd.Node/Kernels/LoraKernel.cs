using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Herd.Node.Kernels;

/// <summary>
/// Adds the LoRA updates of many adapters at one site of a layer in one native call (see
/// <c>native/lora_updates.cpp</c>): each entry of a batch is a row, a weight and an adapter, and
/// each adapter's matrices are read once whatever the number of its rows.
/// </summary>
public static partial class LoraKernel
{
    /// <summary>
    /// <c>output[rows[e]] += weights[e] · input[rows[e]] Aᵀ Bᵀ</c> for every entry <c>e</c> of every
    /// group, with the group's adapter's A and B.
    /// </summary>
    /// <param name="input">[n, in] float32, contiguous, on the CPU</param>
    /// <param name="output">[n, site out] float32, contiguous, on the CPU; changed in place</param>
    /// <param name="rows">the row of each entry, or null when entry i is row i</param>
    /// <param name="weights">each entry's weight, or null when all are 1</param>
    /// <param name="groups">runs of entries and their adapters; no two share an entry, and no run names a row twice</param>
    public static unsafe void AddUpdates(Tensor input, Tensor output, long[]? rows, float[]? weights, ReadOnlySpan<LoraKernelGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        if (groups.IsEmpty)
        {
            return;
        }

        Span<Group> native = groups.Length <= 64 ? stackalloc Group[groups.Length] : new Group[groups.Length];
        for (var index = 0; index < groups.Length; index++)
        {
            var group = groups[index];
            native[index] = new Group { Adapter = group.Site.Address, First = group.First, Count = group.Count };
        }

        fixed (long* rowsPointer = rows)
        fixed (float* weightsPointer = weights)
        fixed (Group* groupsPointer = native)
        {
            herd_kernels_add_lora(
                TensorMemory.DataPointer(input), input.shape[^1], TensorMemory.DataPointer(output), output.shape[^1],
                (IntPtr)rowsPointer, (IntPtr)weightsPointer, (IntPtr)groupsPointer, groups.Length);
        }

        GC.KeepAlive(input);
        GC.KeepAlive(output);
    }

    // The layout of lora_updates.cpp's Group.
    [StructLayout(LayoutKind.Sequential)]
    private struct Group
    {
        public IntPtr Adapter;
        public long First;
        public long Count;
    }

    [LibraryImport(NativeKernels.Library)]
    private static partial void herd_kernels_add_lora(IntPtr x, long inner, IntPtr y, long yStride, IntPtr rows, IntPtr weights, IntPtr groups, long groupCount);
}

/// <summary>An adapter's run of entries in a <see cref="LoraKernel.AddUpdates"/> call: entries <c>[First, First + Count)</c>.</summary>
public readonly record struct LoraKernelGroup(LoraKernelSite Site, int First, int Count);
