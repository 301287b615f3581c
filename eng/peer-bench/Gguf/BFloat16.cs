namespace Herd.PeerBench.Gguf;

/// <summary>
/// bfloat16 as ggml stores it: the upper 16 bits of an F32, rounded to nearest with ties to even,
/// NaN kept a quiet NaN.
/// </summary>
public static class BFloat16
{
    public static ushort FromSingle(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7fff_ffff) > 0x7f80_0000)
        {
            // Truncating could leave a NaN's payload all zero, which reads back as infinity.
            return (ushort)((bits >> 16) | 0x40);
        }

        var roundingBias = 0x7fffu + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    public static float ToSingle(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    /// <summary>Writes each value as two little-endian bytes.</summary>
    /// <exception cref="ArgumentException">The destination is not exactly twice as many bytes as there are values.</exception>
    public static void Encode(ReadOnlySpan<float> values, Span<byte> destination)
    {
        if (destination.Length != values.Length * sizeof(ushort))
        {
            throw new ArgumentException($"{values.Length} values need {values.Length * sizeof(ushort)} bytes, not {destination.Length}.", nameof(destination));
        }

        for (var i = 0; i < values.Length; i++)
        {
            var half = FromSingle(values[i]);
            destination[2 * i] = (byte)half;
            destination[(2 * i) + 1] = (byte)(half >> 8);
        }
    }

    public static void Decode(ReadOnlySpan<byte> source, Span<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = ToSingle((ushort)(source[2 * i] | (source[(2 * i) + 1] << 8)));
        }
    }
}
