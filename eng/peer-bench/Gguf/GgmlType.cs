using System.Diagnostics.CodeAnalysis;

namespace Herd.PeerBench.Gguf;

/// <summary>The tensor element types this converter writes, numbered as ggml numbers them in a GGUF file.</summary>
public enum GgmlType : uint
{
    /// <summary>IEEE single precision, 4 bytes a value.</summary>
    F32 = 0,

    /// <summary>IEEE half precision, 2 bytes a value (only as Q8_0's block scale here).</summary>
    F16 = 1,

    /// <summary>Blocks of 32 values: one F16 scale, then 32 signed bytes (34 bytes a block).</summary>
    [SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "ggml's own name for the type, as every GGUF tool spells it.")]
    Q8_0 = 8,

    /// <summary>bfloat16: the top half of an F32, 2 bytes a value.</summary>
    BF16 = 30,
}
