using TorchSharp;

namespace Herd.Node.Weights;

/// <summary>
/// Moves raw bytes between memory and a CPU tensor's storage without touching elements one by one.
/// </summary>
/// <remarks>
/// TorchSharp exposes a tensor's storage as <see cref="torch.Tensor.bytes"/>, a <see cref="Span{T}"/>,
/// and so at most <see cref="int.MaxValue"/> bytes at a time; an embedding matrix can be larger
/// (128256 × 8192 in BF16 is 2.1 GB). So the copy walks a flat view in slices of at most
/// <see cref="SliceBytes"/>, each slice a contiguous view whose <c>bytes</c> start at its own offset.
/// </remarks>
internal static class TensorBytes
{
    private const long SliceBytes = 1L << 30;

    /// <summary>Fills a contiguous CPU tensor from <paramref name="byteLength"/> bytes at <paramref name="source"/>.</summary>
    public static unsafe void CopyInto(torch.Tensor tensor, nint source, long byteLength)
    {
        foreach (var (slice, offset, length) in Slices(tensor, byteLength))
        {
            using (slice)
            {
                new ReadOnlySpan<byte>((byte*)source + offset, length).CopyTo(slice.bytes);
            }
        }
    }

    /// <summary>Writes the bytes of a contiguous CPU tensor to <paramref name="stream"/>.</summary>
    public static void WriteTo(torch.Tensor tensor, Stream stream)
    {
        foreach (var (slice, _, _) in Slices(tensor, tensor.NumberOfElements * tensor.ElementSize))
        {
            using (slice)
            {
                stream.Write(slice.bytes);
            }
        }
    }

    private static IEnumerable<(torch.Tensor Slice, long Offset, int Length)> Slices(torch.Tensor tensor, long byteLength)
    {
        if (tensor.device_type != DeviceType.CPU || !tensor.is_contiguous())
        {
            throw new ArgumentException("The tensor must be contiguous and on the CPU.", nameof(tensor));
        }

        var elementSize = tensor.ElementSize;
        if (byteLength != tensor.NumberOfElements * elementSize)
        {
            throw new ArgumentException($"{byteLength} bytes do not fill a tensor of {tensor.NumberOfElements} × {elementSize} bytes.", nameof(byteLength));
        }

        // Empty tensors may have no storage at all, and there is nothing to copy.
        if (byteLength == 0)
        {
            yield break;
        }

        using var flat = tensor.view(-1);
        var sliceElements = SliceBytes / elementSize;
        for (long first = 0; first < flat.NumberOfElements; first += sliceElements)
        {
            var count = Math.Min(sliceElements, flat.NumberOfElements - first);
            yield return (flat.narrow(0, first, count), first * elementSize, (int)(count * elementSize));
        }
    }
}
