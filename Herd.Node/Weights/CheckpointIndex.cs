using System.Text.Json;
using Herd.Node.Model;

namespace Herd.Node.Weights;

/// <summary>
/// <c>model.safetensors.index.json</c>: which shard of a split checkpoint holds each tensor.
/// </summary>
internal static class CheckpointIndex
{
    public const string FileName = "model.safetensors.index.json";

    /// <summary>Reads the <c>weight_map</c> of the index in <paramref name="modelFolder"/>: tensor name → shard path.</summary>
    public static Dictionary<string, string> ReadWeightMap(string modelFolder)
    {
        var path = Path.Combine(modelFolder, FileName);
        using var document = Parse(path);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("weight_map", out var weightMap)
            || weightMap.ValueKind != JsonValueKind.Object)
        {
            throw new ModelLoadException($"{path} has no weight_map object naming the shard of each tensor.");
        }

        var folder = Path.GetFullPath(modelFolder);
        var shards = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in weightMap.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new ModelLoadException($"{path}: the shard of '{entry.Name}' must be a file name, not {entry.Value.GetRawText()}.");
            }

            shards[entry.Name] = ShardPath(folder, entry.Value.GetString()!, path);
        }

        return shards.Count > 0 ? shards : throw new ModelLoadException($"{path} has an empty weight_map.");
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException error)
        {
            throw new ModelLoadException($"{path} is not valid JSON ({error.Message}).", error);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{path} cannot be read: {error.Message}", error);
        }
    }

    /// <summary>A shard named in the index, which must lie inside the model folder.</summary>
    private static string ShardPath(string folder, string shard, string indexPath)
    {
        var path = Path.GetFullPath(Path.Combine(folder, shard));
        var inside = path.StartsWith(folder.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        return inside ? path : throw new ModelLoadException($"{indexPath} names shard '{shard}', which lies outside the model folder.");
    }
}
