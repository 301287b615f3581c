using TorchSharp;

namespace Herd.Node.Weights;

/// <summary>What each <see cref="SafetensorsDType"/> is called in a header, its size, and its libtorch twin.</summary>
public static class SafetensorsDTypeExtensions
{
    private static readonly Dictionary<string, SafetensorsDType> ByHeaderName = new(StringComparer.Ordinal)
    {
        ["BOOL"] = SafetensorsDType.Bool,
        ["U8"] = SafetensorsDType.U8,
        ["I8"] = SafetensorsDType.I8,
        ["F8_E5M2"] = SafetensorsDType.F8E5M2,
        ["F8_E4M3"] = SafetensorsDType.F8E4M3,
        ["I16"] = SafetensorsDType.I16,
        ["U16"] = SafetensorsDType.U16,
        ["F16"] = SafetensorsDType.F16,
        ["BF16"] = SafetensorsDType.BF16,
        ["I32"] = SafetensorsDType.I32,
        ["U32"] = SafetensorsDType.U32,
        ["F32"] = SafetensorsDType.F32,
        ["F64"] = SafetensorsDType.F64,
        ["I64"] = SafetensorsDType.I64,
        ["U64"] = SafetensorsDType.U64,
    };

    private static readonly Dictionary<SafetensorsDType, string> HeaderNames =
        ByHeaderName.ToDictionary(pair => pair.Value, pair => pair.Key);

    /// <summary>The dtype a header spells <paramref name="headerName"/> (case-sensitive, as the format is).</summary>
    public static bool TryParse(string headerName, out SafetensorsDType dtype) =>
        ByHeaderName.TryGetValue(headerName, out dtype);

    /// <summary>The names every header dtype may have, for error messages.</summary>
    public static IEnumerable<string> KnownHeaderNames => ByHeaderName.Keys;

    /// <summary>The spelling in a header, such as <c>BF16</c> or <c>F8_E4M3</c>.</summary>
    public static string ToHeaderName(this SafetensorsDType dtype) => HeaderNames[dtype];

    public static int ElementSize(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.Bool or SafetensorsDType.U8 or SafetensorsDType.I8
            or SafetensorsDType.F8E5M2 or SafetensorsDType.F8E4M3 => 1,
        SafetensorsDType.I16 or SafetensorsDType.U16 or SafetensorsDType.F16 or SafetensorsDType.BF16 => 2,
        SafetensorsDType.I32 or SafetensorsDType.U32 or SafetensorsDType.F32 => 4,
        SafetensorsDType.F64 or SafetensorsDType.I64 or SafetensorsDType.U64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a safetensors dtype."),
    };

    /// <summary>
    /// The libtorch type with the same bytes, or null where TorchSharp has none (unsigned wider
    /// than a byte, 8-bit floats): those tensors can be listed but not loaded.
    /// </summary>
    public static torch.ScalarType? ToScalarType(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.Bool => torch.ScalarType.Bool,
        SafetensorsDType.U8 => torch.ScalarType.Byte,
        SafetensorsDType.I8 => torch.ScalarType.Int8,
        SafetensorsDType.I16 => torch.ScalarType.Int16,
        SafetensorsDType.F16 => torch.ScalarType.Float16,
        SafetensorsDType.BF16 => torch.ScalarType.BFloat16,
        SafetensorsDType.I32 => torch.ScalarType.Int32,
        SafetensorsDType.F32 => torch.ScalarType.Float32,
        SafetensorsDType.F64 => torch.ScalarType.Float64,
        SafetensorsDType.I64 => torch.ScalarType.Int64,
        _ => null,
    };

    /// <summary>The safetensors dtype that stores a libtorch type, or null where the format has none.</summary>
    public static SafetensorsDType? FromScalarType(torch.ScalarType scalarType) => scalarType switch
    {
        torch.ScalarType.Bool => SafetensorsDType.Bool,
        torch.ScalarType.Byte => SafetensorsDType.U8,
        torch.ScalarType.Int8 => SafetensorsDType.I8,
        torch.ScalarType.Int16 => SafetensorsDType.I16,
        torch.ScalarType.Float16 => SafetensorsDType.F16,
        torch.ScalarType.BFloat16 => SafetensorsDType.BF16,
        torch.ScalarType.Int32 => SafetensorsDType.I32,
        torch.ScalarType.Float32 => SafetensorsDType.F32,
        torch.ScalarType.Float64 => SafetensorsDType.F64,
        torch.ScalarType.Int64 => SafetensorsDType.I64,
        _ => null,
    };
}
