namespace Herd.PeerBench.Gguf;

/// <summary>How many bytes a row of each <see cref="GgmlType"/> takes, and which row lengths it can hold.</summary>
public static class GgmlTypeLayout
{
    /// <summary>Values per block: 32 for Q8_0, 1 for the plain types.</summary>
    public static int BlockValues(this GgmlType type) => type == GgmlType.Q8_0 ? Q8Blocks.Values : 1;

    /// <summary>Bytes per block.</summary>
    public static int BlockBytes(this GgmlType type) => type switch
    {
        GgmlType.F32 => sizeof(float),
        GgmlType.F16 or GgmlType.BF16 => sizeof(ushort),
        GgmlType.Q8_0 => Q8Blocks.BlockBytes,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a type this converter writes."),
    };

    /// <summary>Bytes a row of <paramref name="length"/> values takes.</summary>
    /// <exception cref="ArgumentException">The row does not split into whole blocks.</exception>
    public static long RowBytes(this GgmlType type, long length)
    {
        var block = type.BlockValues();
        return length % block == 0
            ? length / block * type.BlockBytes()
            : throw new ArgumentException($"A {type} row holds whole blocks of {block} values; {length} values do not split into them.", nameof(length));
    }
}
