using System.Buffers.Binary;
using Herd.PeerBench.Gguf;

namespace Herd.Tests.PeerBench;

public sealed class GgufBlockEncodingTests
{
    [Fact]
    public void Q8_RoundTrip_StaysWithinHalfAStepOfEachBlocksScale()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 32 * 64).Select(i => (float)(random.NextDouble() - 0.5) * (1 + (i / 32))).ToArray();
        var encoded = new byte[values.Length / 32 * 34];

        Q8Blocks.Encode(values, encoded);
        var decoded = new float[values.Length];
        Q8Blocks.Decode(encoded, decoded);

        for (var block = 0; block < values.Length / 32; block++)
        {
            var largest = values.Skip(block * 32).Take(32).Max(Math.Abs);
            var step = largest / 127;
            for (var i = block * 32; i < (block + 1) * 32; i++)
            {
                // Half a quantization step, plus what rounding the scale to F16 adds (2^-11 relative, times 127 steps).
                Assert.InRange(Math.Abs(decoded[i] - values[i]), 0, (step / 2) + (largest * 1e-3));
            }
        }
    }

    [Fact]
    public void Q8_Block_IsTheF16ScaleThenOneByteAValue()
    {
        var values = Enumerable.Range(0, 32).Select(i => i == 5 ? -2.54f : i == 9 ? 1f : i == 10 ? 0.011f : 0f).ToArray();
        var encoded = new byte[34];

        Q8Blocks.Encode(values, encoded);

        Assert.Equal((Half)0.02f, BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(encoded)));
        Assert.Equal(-127, (sbyte)encoded[2 + 5]);
        Assert.Equal(50, (sbyte)encoded[2 + 9]);
        Assert.Equal(1, (sbyte)encoded[2 + 10]);
        Assert.Equal(0, (sbyte)encoded[2 + 0]);
    }

    [Fact]
    public void Q8_BlockOfZeros_HasScaleZeroAndDecodesToZeros()
    {
        var encoded = new byte[34];
        Array.Fill(encoded, (byte)0xff);

        Q8Blocks.Encode(new float[32], encoded);
        var decoded = Enumerable.Repeat(1f, 32).ToArray();
        Q8Blocks.Decode(encoded, decoded);

        Assert.All(encoded, value => Assert.Equal(0, value));
        Assert.All(decoded, value => Assert.Equal(0f, value));
    }

    [Fact]
    public void Q8_RowsThatAreNotWholeBlocks_AreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => GgmlType.Q8_0.RowBytes(48));

        Assert.Contains("whole blocks of 32", error.Message, StringComparison.Ordinal);
        Assert.Equal(2 * 34, GgmlType.Q8_0.RowBytes(64));
    }

    [Fact]
    public void BF16_RoundTrip_KeepsEightSignificantBits()
    {
        var random = new Random(11);
        var values = Enumerable.Range(0, 4096).Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-6, 6)))).ToArray();
        var encoded = new byte[values.Length * 2];

        BFloat16.Encode(values, encoded);
        var decoded = new float[values.Length];
        BFloat16.Decode(encoded, decoded);

        for (var i = 0; i < values.Length; i++)
        {
            Assert.InRange(Math.Abs(decoded[i] - values[i]), 0, Math.Abs(values[i]) / 256);
        }
    }

    [Fact]
    public void BF16_RoundsHalfwayToEven_AndKeepsNaNANaN()
    {
        // 1 + 2^-8 lies halfway between 1 and the next bfloat16 (1 + 2^-7): it rounds to the even 1.
        Assert.Equal(0x3f80, BFloat16.FromSingle(1f + (1f / 256)));

        // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even).
        Assert.Equal(0x3f82, BFloat16.FromSingle(1f + (3f / 256)));
        Assert.Equal(0x3f81, BFloat16.FromSingle(1f + (1.01f / 128)));
        Assert.True(float.IsNaN(BFloat16.ToSingle(BFloat16.FromSingle(BitConverter.UInt32BitsToSingle(0x7f80_0001)))));
        Assert.Equal(-2f, BFloat16.ToSingle(BFloat16.FromSingle(-2f)));
    }
}
