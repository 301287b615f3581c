using System.Text;

namespace Herd.PeerBench.Gguf;

/// <summary>
/// The key-value pairs at the head of a GGUF file, in the order they were added, each written
/// with the value type llama.cpp reads it as (it checks types, so a count must be a UInt32, a
/// ratio a Float32).
/// </summary>
public sealed class GgufMetadata
{
    private readonly List<(string Key, Action<BinaryWriter> Write)> _entries = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public IEnumerable<string> Keys => _entries.Select(entry => entry.Key);

    public GgufMetadata Add(string key, string value) => Put(key, GgufValueType.String, writer => WriteString(writer, value));

    public GgufMetadata Add(string key, uint value) => Put(key, GgufValueType.UInt32, writer => writer.Write(value));

    public GgufMetadata Add(string key, float value) => Put(key, GgufValueType.Float32, writer => writer.Write(value));

    public GgufMetadata Add(string key, bool value) => Put(key, GgufValueType.Bool, writer => writer.Write(value));

    public GgufMetadata Add(string key, IReadOnlyList<string> values) => PutArray(key, GgufValueType.String, values.Count, writer =>
    {
        foreach (var value in values)
        {
            WriteString(writer, value);
        }
    });

    public GgufMetadata Add(string key, IReadOnlyList<int> values) => PutArray(key, GgufValueType.Int32, values.Count, writer =>
    {
        foreach (var value in values)
        {
            writer.Write(value);
        }
    });

    /// <summary>Writes every pair: key, value type, value.</summary>
    public void WriteTo(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var (key, write) in _entries)
        {
            WriteString(writer, key);
            write(writer);
        }
    }

    /// <summary>A GGUF string: its UTF-8 length as a UInt64, then the bytes, no terminator.</summary>
    public static void WriteString(BinaryWriter writer, string value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private GgufMetadata PutArray(string key, GgufValueType elementType, int count, Action<BinaryWriter> writeElements) =>
        Put(key, GgufValueType.Array, writer =>
        {
            writer.Write((uint)elementType);
            writer.Write((ulong)count);
            writeElements(writer);
        });

    private GgufMetadata Put(string key, GgufValueType type, Action<BinaryWriter> writeValue)
    {
        if (!_keys.Add(key))
        {
            throw new ArgumentException($"The metadata key '{key}' is given twice.", nameof(key));
        }

        void Write(BinaryWriter writer)
        {
            writer.Write((uint)type);
            writeValue(writer);
        }

        _entries.Add((key, Write));
        return this;
    }
}
