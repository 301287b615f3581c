namespace Herd.PeerBench.Gguf;

/// <summary>A tensor of a GGUF file before its bytes: name, shape and element type.</summary>
/// <param name="Shape">Outermost dimension first, as PyTorch and safetensors give it (GGUF lists them the other way round).</param>
public sealed record GgufTensorInfo(string Name, IReadOnlyList<long> Shape, GgmlType Type)
{
    /// <summary>Values in one row: the innermost dimension.</summary>
    public long RowLength => Shape[^1];

    public long Rows => Shape.Take(Shape.Count - 1).Aggregate(1L, (product, dimension) => product * dimension);

    public long ByteLength => Rows * Type.RowBytes(RowLength);
}
