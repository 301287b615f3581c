namespace Herd.Node.Weights;

/// <summary>
/// One tensor's entry in a safetensors header: its dtype, shape and where its bytes lie,
/// counted from the first byte after the header. Already checked against the file.
/// </summary>
public sealed record SafetensorsTensorInfo(
    string Name,
    SafetensorsDType DType,
    IReadOnlyList<long> Shape,
    long DataBegin,
    long DataEnd)
{
    public long ByteLength => DataEnd - DataBegin;

    public long ElementCount => ByteLength / DType.ElementSize();
}
