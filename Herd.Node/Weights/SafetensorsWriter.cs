using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using TorchSharp;

namespace Herd.Node.Weights;

/// <summary>
/// Writes named tensors to a <c>.safetensors</c> file, each in its own dtype, laid out like the
/// reference implementation: tensors ordered by element size (largest first) then name, so each
/// starts aligned to its element size, and the header padded with spaces to a multiple of 8.
/// </summary>
public static class SafetensorsWriter
{
    private static readonly JsonWriterOptions JsonOptions = new()
    {
        // Tensor names and metadata are not embedded in HTML; keep them as written.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/>, replacing any file there.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="tensors">Names and tensors, on any device, in a dtype the format stores (not complex or quantized).</param>
    /// <param name="metadata">Strings for the header's <c>__metadata__</c>; none when null or empty.</param>
    /// <exception cref="ArgumentException">A name repeats or is reserved, or a tensor's dtype has no safetensors form.</exception>
    public static void Write(
        string path,
        IEnumerable<KeyValuePair<string, torch.Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entries = Prepare(tensors);
        using var scope = torch.NewDisposeScope();
        var contiguous = entries.Select(entry => entry.Tensor.to(torch.CPU).contiguous()).ToList();

        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        var header = Header(entries, metadata);
        Span<byte> lengthPrefix = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthPrefix, (ulong)header.Length);
        stream.Write(lengthPrefix);
        stream.Write(header);
        foreach (var tensor in contiguous)
        {
            TensorBytes.WriteTo(tensor, stream);
        }
    }

    private static List<(string Name, torch.Tensor Tensor, SafetensorsDType DType)> Prepare(
        IEnumerable<KeyValuePair<string, torch.Tensor>> tensors)
    {
        var entries = new List<(string Name, torch.Tensor Tensor, SafetensorsDType DType)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            if (name == SafetensorsHeader.MetadataKey || !names.Add(name))
            {
                throw new ArgumentException($"Tensor name '{name}' is reserved or given twice.", nameof(tensors));
            }

            var dtype = SafetensorsDTypeExtensions.FromScalarType(tensor.dtype)
                ?? throw new ArgumentException($"Tensor '{name}' is {tensor.dtype}, which safetensors cannot store.", nameof(tensors));
            entries.Add((name, tensor, dtype));
        }

        return [.. entries
            .OrderByDescending(entry => entry.DType.ElementSize())
            .ThenBy(entry => entry.Name, StringComparer.Ordinal)];
    }

    private static byte[] Header(
        List<(string Name, torch.Tensor Tensor, SafetensorsDType DType)> entries,
        IReadOnlyDictionary<string, string>? metadata)
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
            foreach (var (name, tensor, dtype) in entries)
            {
                var byteLength = tensor.NumberOfElements * dtype.ElementSize();
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype.ToHeaderName());
                json.WriteStartArray("shape");
                foreach (var dimension in tensor.shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + byteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += byteLength;
            }

            json.WriteEndObject();
        }

        // Padding keeps the data, and so every tensor, aligned to 8 bytes from the file's start.
        var padding = (int)((8 - (buffer.Length % 8)) % 8);
        buffer.Write(Enumerable.Repeat((byte)' ', padding).ToArray());
        return buffer.ToArray();
    }
}
