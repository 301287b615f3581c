using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Kernels;

/// <summary>
/// One adapter's update at one site of a layer, described for <see cref="LoraKernel"/>: the address
/// of its stacked A matrices and, for each of the site's parts, of its packed B (or none), with
/// where the part's columns sit in the site's output. The description lives in unmanaged memory so
/// that a call passes one pointer per adapter; it points into tensors its owner keeps alive.
/// </summary>
public sealed unsafe class LoraKernelSite : IDisposable
{
    private AdapterSite* _site;

    private LoraKernelSite(AdapterSite* site) => _site = site;

    internal IntPtr Address => _site is null ? throw new ObjectDisposedException(nameof(LoraKernelSite)) : (IntPtr)_site;

    /// <summary>True when the kernel can apply an update held in these tensors.</summary>
    public static bool CanDescribe(Tensor down, IEnumerable<Tensor?> packedUps)
    {
        ArgumentNullException.ThrowIfNull(down);
        ArgumentNullException.ThrowIfNull(packedUps);
        // The updates have an AVX-512 kernel only: on AVX2 the adapters run on libtorch.
        return NativeKernels.Instructions == KernelInstructions.Avx512 && IsKernelReadable(down) && packedUps.All(up => up is null || IsKernelReadable(up));
    }

    /// <param name="down">[sum of ranks, in], float32, contiguous, on the CPU: every adapted part's A, stacked</param>
    /// <param name="parts">each of the site's parts in the site's order (the same for every adapter of a model): its B packed by <see cref="PackedMatrix"/> (null where the adapter leaves it alone), its rows in <paramref name="down"/>, and its columns in the output</param>
    public static LoraKernelSite Describe(Tensor down, IReadOnlyList<LoraKernelPart> parts)
    {
        ArgumentNullException.ThrowIfNull(down);
        ArgumentNullException.ThrowIfNull(parts);
        if (!CanDescribe(down, parts.Select(part => part.PackedUp)))
        {
            throw new ArgumentException($"The native LoRA kernel reads float32 contiguous CPU tensors, with AVX-512 ({NativeKernels.UnavailableReason ?? $"the kernels run on {NativeKernels.Instructions}, or these tensors are not"}).", nameof(down));
        }

        var memory = (byte*)NativeMemory.AllocZeroed((nuint)(sizeof(AdapterSite) + (parts.Count * sizeof(PartUp))));
        var site = (AdapterSite*)memory;
        var partUps = (PartUp*)(memory + sizeof(AdapterSite));
        for (var index = 0; index < parts.Count; index++)
        {
            var part = parts[index];
            partUps[index] = new PartUp
            {
                Up = part.PackedUp is null ? IntPtr.Zero : TensorMemory.DataPointer(part.PackedUp),
                RankOffset = part.RankOffset,
                Rank = part.Rank,
                OutputOffset = part.OutputOffset,
                Outputs = part.Outputs,
            };
        }

        *site = new AdapterSite { Down = TensorMemory.DataPointer(down), Ranks = down.shape[0], PartCount = parts.Count, Parts = (IntPtr)partUps };
        return new LoraKernelSite(site);
    }

    public void Dispose()
    {
        NativeMemory.Free(_site);
        _site = null;
    }

    private static bool IsKernelReadable(Tensor tensor) =>
        tensor.dtype == ScalarType.Float32 && tensor.device.type == DeviceType.CPU && tensor.is_contiguous();

    // The layouts of lora_updates.cpp's PartUp and AdapterSite.
    [StructLayout(LayoutKind.Sequential)]
    private struct PartUp
    {
        public IntPtr Up;
        public long RankOffset;
        public long Rank;
        public long OutputOffset;
        public long Outputs;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct AdapterSite
    {
        public IntPtr Down;
        public long Ranks;
        public long PartCount;
        public IntPtr Parts;
    }
}

/// <summary>One part of a site (q, k or v of the fused qkv product, say) as one adapter adapts it.</summary>
/// <param name="PackedUp">B times its scale, packed by <see cref="PackedMatrix"/>; null where the adapter leaves the part alone</param>
/// <param name="RankOffset">where the part's rows start in the stacked A</param>
/// <param name="Rank">its rank (0 where not adapted)</param>
/// <param name="OutputOffset">where the part's columns start in the site's output</param>
/// <param name="Outputs">how many columns it has</param>
public sealed record LoraKernelPart(Tensor? PackedUp, long RankOffset, long Rank, long OutputOffset, long Outputs);
