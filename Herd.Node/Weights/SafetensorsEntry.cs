namespace Herd.Node.Weights;

/// <summary>A tensor a <c>.safetensors</c> file is to hold, known before its values: its name, dtype and shape.</summary>
public sealed record SafetensorsEntry(string Name, SafetensorsDType DType, IReadOnlyList<long> Shape)
{
    public long ElementCount => Shape.Aggregate(1L, (product, dimension) => product * dimension);

    public long ByteLength => ElementCount * DType.ElementSize();
}
