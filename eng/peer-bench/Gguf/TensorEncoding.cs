using System.Runtime.InteropServices;
using TorchSharp;

namespace Herd.PeerBench.Gguf;

/// <summary>Turns float32 values into the bytes of a GGUF tensor of a given <see cref="GgmlType"/>.</summary>
public static class TensorEncoding
{
    // Rows go through in slices of about this many input bytes, so a tensor of any size is
    // encoded with one slice's buffer (and within the 2 GB a span may cover).
    private const long SliceBytes = 64L << 20;

    /// <summary>Encodes <paramref name="values"/> into <paramref name="destination"/>, which must be their encoded size.</summary>
    public static void Encode(ReadOnlySpan<float> values, GgmlType type, Span<byte> destination)
    {
        switch (type)
        {
            case GgmlType.F32:
                MemoryMarshal.AsBytes(values).CopyTo(destination);
                break;
            case GgmlType.BF16:
                BFloat16.Encode(values, destination);
                break;
            case GgmlType.Q8_0:
                Q8Blocks.Encode(values, destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "This converter writes F32, BF16 and Q8_0 tensors.");
        }
    }

    /// <summary>Writes a contiguous float32 CPU tensor, row by row, as <paramref name="type"/>.</summary>
    /// <param name="tensor">[rows..., row_length], float32, contiguous, on the CPU</param>
    public static void Write(torch.Tensor tensor, GgmlType type, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(destination);
        if (tensor.dtype != torch.ScalarType.Float32 || !tensor.is_contiguous() || tensor.device_type != DeviceType.CPU)
        {
            throw new ArgumentException("The tensor must be float32, contiguous and on the CPU.", nameof(tensor));
        }

        var rowLength = tensor.shape[^1];
        var rowBytes = type.RowBytes(rowLength);
        using var rows = tensor.reshape(-1, rowLength);
        var rowsPerSlice = Math.Max(1, SliceBytes / (rowLength * sizeof(float)));
        var buffer = new byte[checked((int)(Math.Min(rowsPerSlice, rows.shape[0]) * rowBytes))];
        for (long first = 0; first < rows.shape[0]; first += rowsPerSlice)
        {
            var count = Math.Min(rowsPerSlice, rows.shape[0] - first);
            using var slice = rows.narrow(0, first, count);
            var encoded = buffer.AsSpan(0, checked((int)(count * rowBytes)));
            Encode(MemoryMarshal.Cast<byte, float>(slice.bytes), type, encoded);
            destination.Write(encoded);
        }
    }
}
