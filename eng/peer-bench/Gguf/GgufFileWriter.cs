using System.Text;

namespace Herd.PeerBench.Gguf;

/// <summary>
/// Writes a GGUF (version 3) file: the header (magic, version, counts, metadata, tensor infos),
/// then each tensor's bytes in the order the infos list them, every tensor starting at a multiple
/// of <see cref="Alignment"/> from the start of the data, as llama.cpp requires.
/// </summary>
public sealed class GgufFileWriter : IDisposable
{
    /// <summary>GGUF's default alignment, which llama.cpp assumes when general.alignment is absent.</summary>
    public const int Alignment = 32;

    private const uint Version = 3;

    private readonly FileStream _stream;
    private readonly IReadOnlyList<GgufTensorInfo> _tensors;
    private readonly long _dataStart;
    private int _next;

    private GgufFileWriter(FileStream stream, IReadOnlyList<GgufTensorInfo> tensors, long dataStart)
    {
        _stream = stream;
        _tensors = tensors;
        _dataStart = dataStart;
    }

    /// <summary>Creates <paramref name="path"/> (replacing any file there) and writes its header.</summary>
    /// <exception cref="ArgumentException">A tensor name repeats, or a row does not split into whole blocks of its type.</exception>
    public static GgufFileWriter Create(string path, GgufMetadata metadata, IReadOnlyList<GgufTensorInfo> tensors)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(tensors);
        var repeated = tensors.GroupBy(tensor => tensor.Name, StringComparer.Ordinal).FirstOrDefault(group => group.Count() > 1);
        if (repeated is not null)
        {
            throw new ArgumentException($"The tensor '{repeated.Key}' is given twice.", nameof(tensors));
        }

        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        try
        {
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write("GGUF"u8);
                writer.Write(Version);
                writer.Write((ulong)tensors.Count);
                writer.Write((ulong)metadata.Count);
                metadata.WriteTo(writer);
                WriteTensorInfos(writer, tensors);
            }

            Pad(stream);
            return new GgufFileWriter(stream, tensors, stream.Position);
        }
        catch
        {
            stream.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Writes the next tensor's bytes.</summary>
    /// <param name="write">writes exactly the tensor's <see cref="GgufTensorInfo.ByteLength"/> bytes to the stream it is given</param>
    /// <exception cref="ArgumentException">The tensor is not the next one the header lists.</exception>
    /// <exception cref="InvalidOperationException">The callback wrote more or fewer bytes than the tensor holds.</exception>
    public void WriteTensor(string name, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (_next >= _tensors.Count || _tensors[_next].Name != name)
        {
            throw new ArgumentException(
                $"Tensors are written in the header's order; the next is {(_next < _tensors.Count ? $"'{_tensors[_next].Name}'" : "none")}, not '{name}'.", nameof(name));
        }

        var tensor = _tensors[_next++];
        var start = _stream.Position;
        write(_stream);
        var written = _stream.Position - start;
        if (written != tensor.ByteLength)
        {
            throw new InvalidOperationException($"Tensor '{name}' takes {tensor.ByteLength} bytes, but {written} were written.");
        }

        Pad(_stream, _dataStart);
    }

    /// <summary>Checks every tensor was written and flushes the file.</summary>
    /// <exception cref="InvalidOperationException">Some tensors were never written.</exception>
    public void Complete()
    {
        if (_next != _tensors.Count)
        {
            throw new InvalidOperationException($"{_tensors.Count - _next} tensors were never written, '{_tensors[_next].Name}' first; the file is incomplete.");
        }

        _stream.Flush();
    }

    public void Dispose() => _stream.Dispose();

    private static void WriteTensorInfos(BinaryWriter writer, IReadOnlyList<GgufTensorInfo> tensors)
    {
        long offset = 0;
        foreach (var tensor in tensors)
        {
            GgufMetadata.WriteString(writer, tensor.Name);
            writer.Write((uint)tensor.Shape.Count);

            // ggml counts dimensions from the innermost (ne[0] is a row's length).
            foreach (var dimension in tensor.Shape.Reverse())
            {
                writer.Write((ulong)dimension);
            }

            writer.Write((uint)tensor.Type);
            writer.Write((ulong)offset);
            offset += Padded(tensor.ByteLength);
        }
    }

    private static long Padded(long length) => (length + Alignment - 1) / Alignment * Alignment;

    private static void Pad(Stream stream, long from = 0)
    {
        var padding = (int)(Padded(stream.Position - from) - (stream.Position - from));
        stream.Write(new byte[padding]);
    }
}
