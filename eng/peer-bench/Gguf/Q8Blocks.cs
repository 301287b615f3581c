using System.Buffers.Binary;

namespace Herd.PeerBench.Gguf;

/// <summary>
/// ggml's Q8_0 quantization: each block of 32 values becomes one F16 scale (the block's largest
/// magnitude over 127) and 32 signed bytes, each value over the scale rounded to the nearest
/// integer (halves away from zero, as C's roundf). A block of zeros has scale 0.
/// </summary>
public static class Q8Blocks
{
    public const int Values = 32;

    /// <summary>2 bytes of scale, then one byte a value.</summary>
    public const int BlockBytes = sizeof(ushort) + Values;

    /// <exception cref="ArgumentException">The values are not whole blocks, or the destination is not their encoded size.</exception>
    public static void Encode(ReadOnlySpan<float> values, Span<byte> destination)
    {
        if (values.Length % Values != 0 || destination.Length != values.Length / Values * BlockBytes)
        {
            throw new ArgumentException(
                $"Q8_0 encodes whole blocks of {Values} values into {BlockBytes} bytes each; {values.Length} values into {destination.Length} bytes do not fit that.",
                nameof(destination));
        }

        for (var block = 0; block < values.Length / Values; block++)
        {
            EncodeBlock(values.Slice(block * Values, Values), destination.Slice(block * BlockBytes, BlockBytes));
        }
    }

    /// <summary>The values the blocks stand for: each byte times its block's scale.</summary>
    public static void Decode(ReadOnlySpan<byte> source, Span<float> values)
    {
        for (var block = 0; block < values.Length / Values; block++)
        {
            var bytes = source.Slice(block * BlockBytes, BlockBytes);
            var scale = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes));
            for (var i = 0; i < Values; i++)
            {
                values[(block * Values) + i] = (sbyte)bytes[sizeof(ushort) + i] * scale;
            }
        }
    }

    private static void EncodeBlock(ReadOnlySpan<float> values, Span<byte> destination)
    {
        var largest = 0f;
        foreach (var value in values)
        {
            largest = Math.Max(largest, Math.Abs(value));
        }

        // As ggml does: the values are divided by the exact scale, and only the stored scale is
        // rounded to F16, so an encoder and ggml's agree byte for byte.
        var scale = largest / 127f;
        var inverse = scale == 0 ? 0 : 1 / scale;
        BinaryPrimitives.WriteUInt16LittleEndian(destination, BitConverter.HalfToUInt16Bits((Half)scale));
        for (var i = 0; i < Values; i++)
        {
            destination[sizeof(ushort) + i] = (byte)(sbyte)MathF.Round(values[i] * inverse, MidpointRounding.AwayFromZero);
        }
    }
}
