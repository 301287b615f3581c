namespace Herd.Node.Weights;

/// <summary>
/// The element types a safetensors header can name. The bytes of each are little-endian, as
/// libtorch keeps them in memory on every platform .NET runs on.
/// </summary>
/// <remarks>
/// Every type here can be read from a header; <see cref="SafetensorsDTypeExtensions.ToScalarType"/>
/// says which of them can be loaded as a tensor (those with a libtorch type of the same layout).
/// </remarks>
public enum SafetensorsDType
{
    /// <summary><c>BOOL</c>: one byte, 0 or 1.</summary>
    Bool,

    /// <summary><c>U8</c>.</summary>
    U8,

    /// <summary><c>I8</c>.</summary>
    I8,

    /// <summary><c>F8_E5M2</c>: an 8-bit float TorchSharp has no type for.</summary>
    F8E5M2,

    /// <summary><c>F8_E4M3</c>: an 8-bit float TorchSharp has no type for.</summary>
    F8E4M3,

    /// <summary><c>I16</c>.</summary>
    I16,

    /// <summary><c>U16</c>: TorchSharp has no unsigned 16-bit type.</summary>
    U16,

    /// <summary><c>F16</c>: IEEE half precision.</summary>
    F16,

    /// <summary><c>BF16</c>: bfloat16, the usual dtype of released Llama checkpoints.</summary>
    BF16,

    /// <summary><c>I32</c>.</summary>
    I32,

    /// <summary><c>U32</c>: TorchSharp has no unsigned 32-bit type.</summary>
    U32,

    /// <summary><c>F32</c>.</summary>
    F32,

    /// <summary><c>F64</c>.</summary>
    F64,

    /// <summary><c>I64</c>.</summary>
    I64,

    /// <summary><c>U64</c>: TorchSharp has no unsigned 64-bit type.</summary>
    U64,
}
