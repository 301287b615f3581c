namespace Herd.Node.Kernels;

/// <summary>How the weights of a packed matrix are stored (<c>native/panels.h</c>); the products read all three.</summary>
public enum PackedFormat
{
    /// <summary>4 bytes a weight, exact.</summary>
    F32 = 0,

    /// <summary>2 bytes a weight: each float32 rounded to its top half (8 bits of mantissa).</summary>
    BF16 = 1,

    /// <summary>
    /// 1.125 bytes a weight: per output feature and block of 32 inputs, one float32 scale
    /// (the block's largest magnitude / 127) and 32 int8 values, as llama.cpp's Q8_0.
    /// </summary>
    Q8 = 2,
}
