using TorchSharp;

namespace Herd.Node.Weights;

/// <summary>
/// Writes named tensors that are all in memory to a <c>.safetensors</c> file, each in its own
/// dtype, in <see cref="SafetensorsStreamWriter"/>'s layout (the reference implementation's).
/// Tensors made one at a time, too many to hold at once, go through
/// <see cref="SafetensorsStreamWriter"/> directly.
/// </summary>
public static class SafetensorsWriter
{
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
        var named = tensors.ToList();
        var entries = named.Select(pair => new SafetensorsEntry(
            pair.Key,
            SafetensorsDTypeExtensions.FromScalarType(pair.Value.dtype)
                ?? throw new ArgumentException($"Tensor '{pair.Key}' is {pair.Value.dtype}, which safetensors cannot store.", nameof(tensors)),
            pair.Value.shape));
        using var writer = SafetensorsStreamWriter.Create(path, entries, metadata);
        foreach (var (name, tensor) in named)
        {
            writer.Write(name, tensor);
        }

        writer.Complete();
    }
}
