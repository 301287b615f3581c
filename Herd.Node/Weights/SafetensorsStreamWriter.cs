using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using TorchSharp;

namespace Herd.Node.Weights;

/// <summary>
/// Writes a <c>.safetensors</c> file a tensor at a time, so a checkpoint larger than memory can be
/// written while only one tensor exists at once. The header is written first, from every tensor's
/// name, dtype and shape; each tensor's bytes then go to their place in the file in whatever order
/// the tensors are made. The layout is <see cref="SafetensorsWriter"/>'s (and the reference
/// implementation's): tensors ordered by element size (largest first) then name, so each starts
/// aligned to its element size, and the header padded with spaces to a multiple of 8.
/// </summary>
public sealed class SafetensorsStreamWriter : IDisposable
{
    private static readonly JsonWriterOptions JsonOptions = new()
    {
        // Tensor names and metadata are not embedded in HTML; keep them as written.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly FileStream _stream;
    private readonly long _dataStart;
    private readonly Dictionary<string, (SafetensorsEntry Entry, long Offset)> _places;
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    private SafetensorsStreamWriter(FileStream stream, long dataStart, IReadOnlyList<SafetensorsEntry> layout)
    {
        _stream = stream;
        _dataStart = dataStart;
        Layout = layout;
        _places = new Dictionary<string, (SafetensorsEntry, long)>(StringComparer.Ordinal);
        long offset = 0;
        foreach (var entry in layout)
        {
            _places[entry.Name] = (entry, offset);
            offset += entry.ByteLength;
        }
    }

    /// <summary>The tensors in the order their bytes lie in the file.</summary>
    public IReadOnlyList<SafetensorsEntry> Layout { get; }

    /// <summary>Creates <paramref name="path"/> (replacing any file there) and writes its header.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="entries">Every tensor the file will hold.</param>
    /// <param name="metadata">Strings for the header's <c>__metadata__</c>; none when null or empty.</param>
    /// <exception cref="ArgumentException">A name repeats or is reserved, or a shape has a negative dimension.</exception>
    public static SafetensorsStreamWriter Create(string path, IEnumerable<SafetensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var layout = Ordered(entries);
        var header = Header(layout, metadata);
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        try
        {
            Span<byte> lengthPrefix = stackalloc byte[sizeof(ulong)];
            BinaryPrimitives.WriteUInt64LittleEndian(lengthPrefix, (ulong)header.Length);
            stream.Write(lengthPrefix);
            stream.Write(header);
            return new SafetensorsStreamWriter(stream, stream.Position, layout);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Writes the values of the tensor <paramref name="name"/>, which must have the dtype and shape its entry gave.</summary>
    /// <param name="tensor">On any device; copied to the CPU and made contiguous if it is not.</param>
    /// <exception cref="ArgumentException">No entry has that name, it was written already, or the tensor's dtype or shape differs from the entry's.</exception>
    public void Write(string name, torch.Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!_places.TryGetValue(name, out var place))
        {
            throw new ArgumentException($"The file was laid out without a tensor '{name}'.", nameof(name));
        }

        var (entry, offset) = place;
        if (SafetensorsDTypeExtensions.FromScalarType(tensor.dtype) != entry.DType || !tensor.shape.SequenceEqual(entry.Shape))
        {
            throw new ArgumentException(
                $"Tensor '{name}' is {tensor.dtype} [{string.Join(", ", tensor.shape)}], but the file was laid out for {entry.DType.ToHeaderName()} [{string.Join(", ", entry.Shape)}].",
                nameof(tensor));
        }

        if (!_written.Add(name))
        {
            throw new ArgumentException($"Tensor '{name}' was written already.", nameof(name));
        }

        using var contiguous = tensor.to(torch.CPU).contiguous();
        _stream.Position = _dataStart + offset;
        TensorBytes.WriteTo(contiguous, _stream);
    }

    /// <summary>Checks that every tensor was written and flushes the file.</summary>
    /// <exception cref="InvalidOperationException">Some tensors were never written; the file would have holes.</exception>
    public void Complete()
    {
        var missing = Layout.Where(entry => !_written.Contains(entry.Name)).Select(entry => entry.Name).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"{missing.Count} tensors were never written ({string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")}); the file is incomplete.");
        }

        _stream.Flush();
    }

    public void Dispose() => _stream.Dispose();

    private static List<SafetensorsEntry> Ordered(IEnumerable<SafetensorsEntry> entries)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<SafetensorsEntry>();
        foreach (var entry in entries)
        {
            if (entry.Name == SafetensorsHeader.MetadataKey || !names.Add(entry.Name))
            {
                throw new ArgumentException($"Tensor name '{entry.Name}' is reserved or given twice.", nameof(entries));
            }

            if (entry.Shape.Any(dimension => dimension < 0))
            {
                throw new ArgumentException($"Tensor '{entry.Name}' has a negative dimension: [{string.Join(", ", entry.Shape)}].", nameof(entries));
            }

            list.Add(entry);
        }

        return [.. list
            .OrderByDescending(entry => entry.DType.ElementSize())
            .ThenBy(entry => entry.Name, StringComparer.Ordinal)];
    }

    private static byte[] Header(IReadOnlyList<SafetensorsEntry> layout, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var entry in layout)
            {
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DType.ToHeaderName());
                json.WriteStartArray("shape");
                foreach (var dimension in entry.Shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + entry.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += entry.ByteLength;
            }

            json.WriteEndObject();
        }

        // Padding keeps the data, and so every tensor, aligned to 8 bytes from the file's start.
        var padding = (int)((8 - (buffer.Length % 8)) % 8);
        buffer.Write(Enumerable.Repeat((byte)' ', padding).ToArray());
        return buffer.ToArray();
    }
}
