using System.Text.Json;
using Herd.Node.Model;

namespace Herd.Node.Weights;

/// <summary>
/// The JSON header of a safetensors file, parsed and checked against the size of the data that
/// follows it, so that a hostile or truncated file fails here with its name rather than later
/// as a read outside the mapping.
/// </summary>
internal sealed class SafetensorsHeader
{
    public const string MetadataKey = "__metadata__";

    /// <summary>The reference implementation refuses larger headers; so do we, before allocating.</summary>
    public const long MaxLength = 100_000_000;

    private SafetensorsHeader(IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, SafetensorsTensorInfo> tensors)
    {
        Metadata = metadata;
        Tensors = tensors;
    }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    /// <param name="json">The header bytes, without the length prefix.</param>
    /// <param name="dataLength">How many bytes follow the header in the file.</param>
    /// <param name="path">The file, for error messages.</param>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException error)
        {
            throw new ModelLoadException($"{path}: the safetensors header is not valid JSON ({error.Message}).", error);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ModelLoadException($"{path}: the safetensors header must be a JSON object, not {document.RootElement.ValueKind}.");
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    ReadMetadata(property.Value, metadata, path);
                }
                else if (!tensors.TryAdd(property.Name, ReadTensor(property.Name, property.Value, dataLength, path)))
                {
                    throw new ModelLoadException($"{path}: the header names tensor '{property.Name}' twice.");
                }
            }

            return new SafetensorsHeader(metadata, tensors);
        }
    }

    private static void ReadMetadata(JsonElement element, Dictionary<string, string> metadata, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ModelLoadException($"{path}: {MetadataKey} must be an object of strings.");
        }

        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new ModelLoadException($"{path}: {MetadataKey} entry '{entry.Name}' must be a string, not {entry.Value.ValueKind}.");
            }

            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static SafetensorsTensorInfo ReadTensor(string name, JsonElement element, long dataLength, string path)
    {
        var where = $"{path}: tensor '{name}'";
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ModelLoadException($"{where} must be an object with dtype, shape and data_offsets.");
        }

        var dtype = ReadDType(element, where);
        var shape = ReadIntegers(element, "shape", where);
        if (shape.Any(dimension => dimension < 0))
        {
            throw new ModelLoadException($"{where} has a negative dimension in shape [{string.Join(", ", shape)}].");
        }

        var offsets = ReadIntegers(element, "data_offsets", where);
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < 0)
        {
            throw new ModelLoadException($"{where}: data_offsets must be two non-negative integers [begin, end], not [{string.Join(", ", offsets)}].");
        }

        var (begin, end) = (offsets[0], offsets[1]);
        if (end < begin)
        {
            throw new ModelLoadException($"{where}: data_offsets [{begin}, {end}] end before they begin.");
        }

        if (end > dataLength)
        {
            throw new ModelLoadException(
                $"{where}: data_offsets [{begin}, {end}] reach past the end of the data ({dataLength} bytes); the file is truncated or corrupt.");
        }

        var expected = ExpectedByteLength(shape, dtype, where);
        if (end - begin != expected)
        {
            throw new ModelLoadException(
                $"{where}: data_offsets [{begin}, {end}] hold {end - begin} bytes, but shape [{string.Join(", ", shape)}] of {dtype.ToHeaderName()} needs {expected}.");
        }

        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static SafetensorsDType ReadDType(JsonElement element, string where)
    {
        if (!element.TryGetProperty("dtype", out var value) || value.ValueKind != JsonValueKind.String)
        {
            throw new ModelLoadException($"{where} has no dtype string.");
        }

        var name = value.GetString()!;
        return SafetensorsDTypeExtensions.TryParse(name, out var dtype)
            ? dtype
            : throw new ModelLoadException(
                $"{where} has unknown dtype '{name}' (known: {string.Join(", ", SafetensorsDTypeExtensions.KnownHeaderNames)}).");
    }

    private static long[] ReadIntegers(JsonElement element, string field, string where)
    {
        if (!element.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.Array)
        {
            throw new ModelLoadException($"{where} has no {field} array.");
        }

        var integers = new long[value.GetArrayLength()];
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out integers[index++]))
            {
                throw new ModelLoadException($"{where}: {field} must hold integers, not {item.GetRawText()}.");
            }
        }

        return integers;
    }

    private static long ExpectedByteLength(long[] shape, SafetensorsDType dtype, string where)
    {
        // An empty dimension empties the tensor, however large the others are.
        if (shape.Contains(0))
        {
            return 0;
        }

        try
        {
            return checked(shape.Aggregate(1L, (product, dimension) => product * dimension) * dtype.ElementSize());
        }
        catch (OverflowException error)
        {
            throw new ModelLoadException($"{where}: shape [{string.Join(", ", shape)}] is too large to address.", error);
        }
    }
}
